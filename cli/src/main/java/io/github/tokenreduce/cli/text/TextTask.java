package io.github.tokenreduce.cli.text;

import io.github.tokenreduce.cli.eval.ItemScores;
import io.github.tokenreduce.djl.bert.BundledEncoder;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One real-data text task of the frontier, scored item by item so that every difference to the
 * unreduced model gets a paired bootstrap interval.
 */
public interface TextTask {

    /** Its name on the command line: stsb, sick, cranfield, austen or sotu. */
    String name();

    /** The figures it reports (table columns), in order. */
    List<String> metrics();

    /** The texts an index build would embed, prefixed as {@code model} expects passages. */
    List<String> documents(BundledEncoder model);

    /** Per-item scores for each of {@link #metrics()} with {@code embed} (texts → unit vectors). */
    Map<String, ItemScores> measure(BundledEncoder model, Function<List<String>, float[][]> embed);
}
