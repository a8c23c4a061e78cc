/**
 * What per-sample removal counts cost against counts from the padded batch (a timed comparison that
 * prints a Markdown table).
 *
 * <p>May use {@code cli.data}, {@code cli.measure}, {@code core} (ToMe, CrossGET), {@code djl.bert},
 * {@code djl.site} and DJL.
 */
package io.github.tokenreduce.bench.count;
