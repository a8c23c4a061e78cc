/**
 * The cost of one reduction step per method ({@code StepCost}: a site at CLIP ViT-B/16's shape,
 * arrays created per step, wall and thread CPU time), shared by the JMH {@code OperatorBenchmark} and
 * {@code StepCostMain}, which times several builds of {@code core} interleaved in one run.
 *
 * <p>May use {@code core}, DJL and the PyTorch engine.
 */
package io.github.tokenreduce.bench.step;
