package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Functional building blocks over {@link NDArray}. */
public final class Ops {

    private Ops() {}

    /** {@code x · wT + b}, with {@code wT} already transposed to [in, out]. */
    public static NDArray linear(NDArray x, NDArray wT, NDArray b) {
        NDArray y = x.matMul(wT);
        return b == null ? y : y.add(b);
    }

    /** Layer normalisation over the last axis. */
    public static NDArray layerNorm(NDArray x, LayerNormWeights ln) {
        long c = x.getShape().getLastDimension();
        return x.getNDArrayInternal().layerNorm(x, new Shape(c), ln.gamma(), ln.beta(), ln.eps()).head();
    }
}
