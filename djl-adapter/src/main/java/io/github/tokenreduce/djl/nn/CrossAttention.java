package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

/**
 * Multi-head attention from text queries [B, Lt, C] to image keys and values [B, Li, C_enc],
 * returning the output [B, Lt, C], the probabilities [B, H, Lt, Li] and the head-averaged image
 * keys [B, Li, C/H] when asked (PuMer prunes and merges with them).
 */
public final class CrossAttention {

    /** Output plus the requested internals (null when not requested). */
    public record Result(NDArray output, NDArray probs, NDArray meanKeys) {}

    private CrossAttention() {}

    /**
     * @param mm how the projections are computed
     * @param keyBias additive bias on image keys, [B, 1, 1, Li], or null
     */
    public static Result forward(Matmuls mm, NDArray text, NDArray image, BertLayerWeights w, int heads, NDArray keyBias,
            boolean internals) {
        long b = text.getShape().get(0);
        long lt = text.getShape().get(1);
        long li = image.getShape().get(1);
        long c = text.getShape().get(2);
        long d = c / heads;
        NDArray q = mm.linear(text, w.crossQT(), w.crossQB()).reshape(b, lt, heads, d).transpose(0, 2, 1, 3);
        NDArray kv = mm.linear(image, w.crossKvT(), w.crossKvB());
        NDArray k = kv.get(":, :, 0:" + c).reshape(b, li, heads, d).transpose(0, 2, 1, 3);
        NDArray v = kv.get(":, :, " + c + ":").reshape(b, li, heads, d).transpose(0, 2, 1, 3);
        NDArray logits = q.matMul(k.transpose(0, 1, 3, 2)).mul((float) (1.0 / Math.sqrt(d)));
        if (keyBias != null) {
            logits = logits.add(keyBias);
        }
        NDArray probs = logits.softmax(-1);
        NDArray ctx = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, lt, c);
        NDArray out = mm.linear(ctx, w.crossOutT(), w.crossOutB());
        return new Result(out, internals ? probs : null, internals ? k.mean(new int[] {1}) : null);
    }
}
