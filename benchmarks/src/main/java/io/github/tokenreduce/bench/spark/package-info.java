/**
 * The Spark embedding benchmark ({@code SparkBenchmark}; docs/spark.md, "Measured").
 *
 * <p>May use {@code spark}, {@code cli.data}, {@code cli.measure}, DJL and Spark.
 */
package io.github.tokenreduce.bench.spark;
