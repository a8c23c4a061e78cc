/**
 * A Spark ML {@code Transformer} that embeds a column of texts or images with a reduced model, one
 * model per executor.
 *
 * <p>May use {@code core}, {@code core.spec}, the {@code djl} model packages and the family registry
 * ({@code djl.family}), DJL and Spark (provided by the cluster). See docs/spark.md.
 */
package io.github.tokenreduce.spark;
