/**
 * Tensor helpers shared by the operators: argument checks with clear messages, scatter-free
 * gathers and masks, per-sample clamps and matching masks.
 *
 * <p>May use DJL's {@code ai.djl:api} only: nothing of {@code core}'s other packages, no method and no
 * model (so {@code core} and {@code core.util} form no cycle).
 */
package io.github.tokenreduce.core.util;
