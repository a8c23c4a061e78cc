/**
 * Tensor helpers shared by the operators: argument checks with clear messages, stable rankings and
 * sorting, per-sample clamps and matching masks.
 *
 * <p>May use DJL's {@code ai.djl:api} and, for the tie-break policy only, {@link
 * io.github.tokenreduce.core.TieBreak}; no method package and no model.
 */
package io.github.tokenreduce.core.util;
