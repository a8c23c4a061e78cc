package io.github.tokenreduce.core;

/** Where kept tokens go in the output of a pruning method (docs/operators.md). */
public enum OrderPolicy {
    /** Original relative order (protected tokens first): safest for text and position ids. */
    ORIGINAL,
    /** Descending importance, as the reference PuMer code leaves them. */
    SCORE
}
