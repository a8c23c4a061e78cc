package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * Multi-head attention projections, stored transposed ([in, out]) and with q, k, v fused
 * ({@code qkvT} [C, 3C], {@code qkvB} [3C]) for one matmul.
 */
public record AttentionWeights(NDArray qkvT, NDArray qkvB, NDArray outT, NDArray outB, int heads) {

    /** The two linear layers: fused q/k/v and the output projection. */
    public java.util.List<LinearWeights> linears() {
        return java.util.List.of(new LinearWeights(qkvT, qkvB), new LinearWeights(outT, outB));
    }

    /** From separate {@code [out, in]} projections (Hugging Face naming). */
    public static AttentionWeights ofSeparate(NDArray q, NDArray qb, NDArray k, NDArray kb, NDArray v,
            NDArray vb, NDArray out, NDArray outB, int heads) {
        NDArray w = NDArrays.concat(new NDList(q, k, v), 0);
        NDArray b = NDArrays.concat(new NDList(qb, kb, vb), 0);
        return new AttentionWeights(w.transpose(), b, out.transpose(), outB, heads);
    }

    /** From a fused {@code in_proj_weight} [3C, C] (OpenAI / PyTorch MultiheadAttention naming). */
    public static AttentionWeights ofFused(NDArray inProj, NDArray inBias, NDArray out, NDArray outB,
            int heads) {
        return new AttentionWeights(inProj.transpose(), inBias, out.transpose(), outB, heads);
    }
}
