package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;

/**
 * The additive key bias a model adds to attention logits after reduction:
 * {@code log(size · mask)} with proportional attention (ToMe, CrossGET), or
 * {@code log(mask)} without. A padding key gets {@code log(1e-30) ≈ -69}: finite, so a row can
 * never become all {@code -inf} and turn into NaN, and still a weight of about {@code 1e-30}.
 * A fractional PuMer text mask weighs a half-padding token by half.
 */
public final class AttentionBias {

    private static final float FLOOR = 1e-30f;

    private AttentionBias() {}

    /** Bias [B, N] for the token set's keys. */
    public static NDArray of(TokenSet tokens, boolean proportional) {
        NDArray w = proportional ? tokens.sizes().mul(tokens.keyMask()) : tokens.keyMask();
        return w.maximum(FLOOR).log();
    }

    /** Bias broadcastable to attention logits [B, H, Nq, Nk]: shape [B, 1, 1, N]. */
    public static NDArray forLogits(TokenSet tokens, boolean proportional) {
        return of(tokens, proportional).expandDims(1).expandDims(1);
    }
}
