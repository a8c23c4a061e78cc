/**
 * The transformer building blocks the models share: attention, layer weights, vision and fusion
 * encoders that call a reducer between blocks, matmul kernels and precisions, CPU feature detection.
 *
 * <p>May use {@code core}, {@code djl.site} (sites, reductions and guides), {@code djl.weights}, DJL and SLF4J;
 * no particular model. See docs/models.md and docs/performance.md.
 */
package io.github.tokenreduce.djl.nn;
