/**
 * The documented default reduction of each model ({@link io.github.tokenreduce.djl.defaults.Defaults}):
 * per bundled sentence encoder and for vision towers, read by {@code tokenreduce embed --method auto},
 * the {@code auto} reduction argument, langchain4j and Spark.
 *
 * <p>May use {@code core.spec} and {@code core}'s schedules, {@code djl.site} (levels) and
 * {@code djl.bert} (the bundled encoders); no other model. See docs/text-results.md ("Defaults").
 */
package io.github.tokenreduce.djl.defaults;
