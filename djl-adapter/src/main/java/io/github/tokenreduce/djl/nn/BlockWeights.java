package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

/** One pre-LN transformer block: {@code x += Attn(LN1 x); x += FC2(act(FC1(LN2 x)))}. */
public record BlockWeights(LayerNormWeights ln1, AttentionWeights attention, LayerNormWeights ln2,
        NDArray fc1T, NDArray fc1B, NDArray fc2T, NDArray fc2B) {}
