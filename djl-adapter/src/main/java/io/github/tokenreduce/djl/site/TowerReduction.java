package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.TokenReducer;

/**
 * A method attached to one tower, with the learned parameters the model supplies at its sites:
 * CrossGET's per-layer cross-token offsets [L, C] (§1.2; zero when absent) and MADTP's alignment
 * dictionary [M, C] (§2.1; a training-free default when absent, see the model's documentation).
 */
public record TowerReduction(TokenReducer reducer, NDArray crossOffsets, NDArray dictionary) {

    public TowerReduction {
        if (reducer == null) {
            throw new IllegalArgumentException("reducer: must not be null");
        }
    }

    /** The method with no learned parameters. */
    public static TowerReduction of(TokenReducer reducer) {
        return new TowerReduction(reducer, null, null);
    }
}
