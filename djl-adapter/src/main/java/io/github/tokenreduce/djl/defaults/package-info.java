/**
 * The documented default reduction of each model ({@link io.github.tokenreduce.djl.defaults.Defaults}):
 * the spec of a default choice (each bundled sentence encoder holds its own) and the vision towers'
 * default, read by {@code tokenreduce embed --method auto}, the {@code auto} reduction argument,
 * langchain4j and Spark.
 *
 * <p>May use {@code core.spec} and {@code core}'s schedules and {@code djl.site} (levels); no model
 * package. See docs/text-results.md ("Defaults").
 */
package io.github.tokenreduce.djl.defaults;
