package io.github.tokenreduce.cli.data;

/** One sentence pair with its gold similarity. */
public record StsPair(String a, String b, double score) {}
