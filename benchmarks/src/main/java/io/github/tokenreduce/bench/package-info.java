/**
 * JMH benchmarks of the operators at a ViT-B/16 site (see the README for the command). Sub-packages
 * hold the text frontier harness and the Spark benchmark.
 *
 * <p>May use {@code core}, its method packages, DJL and JMH. Not part of the distribution.
 */
package io.github.tokenreduce.bench;
