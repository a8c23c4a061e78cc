/**
 * The model-agnostic vocabulary of token reduction: {@link io.github.tokenreduce.core.TokenSet} (the
 * tokens and their sizes, masks and sources), {@link io.github.tokenreduce.core.MergePlan} (what one step
 * does), {@link io.github.tokenreduce.core.Schedule}, {@link io.github.tokenreduce.core.SiteInputs} (what
 * a model exposes at a reduction site), the {@link io.github.tokenreduce.core.TokenReducer} interface
 * every method implements, and rankings under a {@link io.github.tokenreduce.core.TieBreak} policy
 * ({@link io.github.tokenreduce.core.StableOrder}).
 *
 * <p>Core knows no model and no method: it may use DJL's {@code ai.djl:api} (NDArray), Gson (as DJL
 * ships it) and {@code core.util}; the method packages ({@code tome}, {@code crossget}, {@code madtp},
 * {@code pumer}) depend on it, never the reverse. See docs/operators.md.
 */
package io.github.tokenreduce.core;
