package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

/**
 * One pre-LN transformer block: {@code x += ls1 · Attn(LN1 x); x += ls2 · FC2(act(FC1(LN2 x)))}, with
 * optional LayerScale {@code ls1}, {@code ls2} [C] (CaiT/DeiT-III; null when the checkpoint has none).
 */
public record BlockWeights(LayerNormWeights ln1, AttentionWeights attention, LayerNormWeights ln2,
        NDArray fc1T, NDArray fc1B, NDArray fc2T, NDArray fc2B, NDArray ls1, NDArray ls2) {

    /** The block's linear layers (attention, then the feed-forward). */
    public java.util.List<LinearWeights> linears() {
        java.util.List<LinearWeights> all = new java.util.ArrayList<>(attention.linears());
        all.add(new LinearWeights(fc1T, fc1B));
        all.add(new LinearWeights(fc2T, fc2B));
        return all;
    }

    /** A block without LayerScale. */
    public BlockWeights(LayerNormWeights ln1, AttentionWeights attention, LayerNormWeights ln2,
            NDArray fc1T, NDArray fc1B, NDArray fc2T, NDArray fc2B) {
        this(ln1, attention, ln2, fc1T, fc1B, fc2T, fc2B, null, null);
    }
}
