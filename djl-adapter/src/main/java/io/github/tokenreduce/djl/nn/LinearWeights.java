package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

/** One linear layer's weights as the blocks hold them: {@code wT} [in, out] and bias [out] (or null). */
public record LinearWeights(NDArray wT, NDArray b) {}
