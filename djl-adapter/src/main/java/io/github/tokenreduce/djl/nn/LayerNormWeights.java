package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.weights.WeightStore;

/** Layer-norm parameters [C] and epsilon. */
public record LayerNormWeights(NDArray gamma, NDArray beta, float eps) {

    /** {@code prefix.weight} and {@code prefix.bias} of width {@code width}; null if either is bad. */
    public static LayerNormWeights take(WeightStore s, String prefix, int width, float eps) {
        NDArray g = s.take(prefix + ".weight", width);
        NDArray b = s.take(prefix + ".bias", width);
        return g == null || b == null ? null : new LayerNormWeights(g, b, eps);
    }
}
