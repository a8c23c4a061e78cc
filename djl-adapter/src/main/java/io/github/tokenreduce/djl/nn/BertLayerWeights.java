package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

/**
 * One post-LN BERT layer with optional cross-attention (BLIP's text encoder):
 * {@code x = LN(x + SelfAttn(x)); x = LN(x + CrossAttn(x, image)); x = LN(x + Out(act(In(x))))}.
 *
 * @param self self-attention (fused q, k, v)
 * @param selfLn post-norm after self-attention
 * @param crossQT cross-attention query [C, C] (transposed), or null without cross-attention
 * @param crossQB query bias
 * @param crossKvT cross-attention keys and values fused [C_enc, 2C] (transposed)
 * @param crossKvB their bias [2C]
 * @param crossOutT cross-attention output projection [C, C]
 * @param crossOutB its bias
 * @param crossLn post-norm after cross-attention
 * @param interT intermediate [C, I]
 * @param interB its bias
 * @param outT output [I, C]
 * @param outB its bias
 * @param outLn post-norm after the feed-forward
 */
public record BertLayerWeights(AttentionWeights self, LayerNormWeights selfLn, NDArray crossQT, NDArray crossQB,
        NDArray crossKvT, NDArray crossKvB, NDArray crossOutT, NDArray crossOutB, LayerNormWeights crossLn,
        NDArray interT, NDArray interB, NDArray outT, NDArray outB, LayerNormWeights outLn) {

    /** The layer's linear layers (self-attention, cross-attention when present, feed-forward). */
    public java.util.List<LinearWeights> linears() {
        java.util.List<LinearWeights> all = new java.util.ArrayList<>(self.linears());
        if (hasCross()) {
            all.add(new LinearWeights(crossQT, crossQB));
            all.add(new LinearWeights(crossKvT, crossKvB));
            all.add(new LinearWeights(crossOutT, crossOutB));
        }
        all.add(new LinearWeights(interT, interB));
        all.add(new LinearWeights(outT, outB));
        return all;
    }

    /** Whether the layer can cross-attend. */
    public boolean hasCross() {
        return crossQT != null;
    }
}
