/**
 * Where and how a model is reduced: the sites a method attaches to, per-site reductions, guide
 * queries, the reduction state a checkpoint carries, and the documented levels.
 *
 * <p>May use {@code core}, {@code core.spec}, {@code djl.weights}, {@code djl.weights.torch} and DJL;
 * no model (the per-model defaults are in {@code djl.defaults}). See docs/models.md ("Sites").
 */
package io.github.tokenreduce.djl.site;
