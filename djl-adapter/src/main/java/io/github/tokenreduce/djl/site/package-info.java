/**
 * Where and how a model is reduced: the sites a method attaches to, per-site reductions, guide queries, the reduction state
 * a checkpoint carries, and the documented levels and defaults.
 *
 * <p>May use {@code core}, {@code core.spec}, {@code djl.weights} and DJL; {@link
 * io.github.tokenreduce.djl.site.Defaults} also names the bundled encoders of {@code djl.bert}. See
 * docs/models.md ("Sites").
 */
package io.github.tokenreduce.djl.site;
