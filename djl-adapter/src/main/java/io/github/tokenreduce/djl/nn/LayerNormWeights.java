package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

/** Layer-norm parameters [C] and epsilon. */
public record LayerNormWeights(NDArray gamma, NDArray beta, float eps) {}
