package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.TokenReducer;

/**
 * A method attached to one site, with what the model supplies there: CrossGET's per-layer
 * cross-token offsets [L, C] (§1.2; zero when absent), MADTP's alignment dictionary [M, C] (§2.1;
 * a training-free default when absent, see the model's documentation) and the guide provider
 * (null: the model's default).
 */
public record TowerReduction(TokenReducer reducer, NDArray crossOffsets, NDArray dictionary,
        GuideProvider guide) {

    public TowerReduction {
        if (reducer == null) {
            throw new IllegalArgumentException("reducer: must not be null");
        }
    }

    /** A method with learned offsets and dictionary, default guide. */
    public TowerReduction(TokenReducer reducer, NDArray crossOffsets, NDArray dictionary) {
        this(reducer, crossOffsets, dictionary, null);
    }

    /** The method with no learned parameters. */
    public static TowerReduction of(TokenReducer reducer) {
        return new TowerReduction(reducer, null, null, null);
    }

    /** This reduction with another dictionary. */
    public TowerReduction withDictionary(NDArray d) {
        return new TowerReduction(reducer, crossOffsets, d, guide);
    }

    /** This reduction with another guide provider. */
    public TowerReduction withGuide(GuideProvider g) {
        return new TowerReduction(reducer, crossOffsets, dictionary, g);
    }
}
