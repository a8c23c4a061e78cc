package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/** Functional building blocks over {@link NDArray}. */
public final class Ops {

    private Ops() {}

    /** {@code x · wT + b}, with {@code wT} already transposed to [in, out]. */
    public static NDArray linear(NDArray x, NDArray wT, NDArray b) {
        NDArray y = x.matMul(wT);
        return b == null ? y : y.addi(b); // y is fresh: add in place, no second buffer
    }

    /**
     * The feed-forward {@code act(x · w1T + b1) · w2T + b2} of x [B, N, C], with {@code mm}'s products, in slices of rows
     * small enough that the [rows, I] hidden layer stays below {@link SelfAttention#SLICE_BYTES}
     * (see there why; a traced array is not sliced). The same result as in one piece.
     */
    public static NDArray feedForward(Matmuls mm, NDArray x, NDArray w1T, NDArray b1, Activation act, NDArray w2T,
            NDArray b2) {
        long[] s = x.getShape().getShape();
        long rows = s[0] * s[1];
        long hidden = w1T.getShape().get(1);
        long slice = Math.max(1, SelfAttention.SLICE_BYTES / (4 * hidden));
        if (slice >= rows || !SelfAttention.sliceable(x)) {
            return mm.linear(act.apply(mm.linear(x, w1T, b1)), w2T, b2);
        }
        NDArray flat = x.reshape(rows, s[2]);
        ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
        for (long from = 0; from < rows; from += slice) {
            NDArray h = mm.linear(flat.get(from + ":" + Math.min(rows, from + slice)), w1T, b1);
            NDArray a = act.apply(h);
            h.close();
            parts.add(mm.linear(a, w2T, b2));
            a.close();
        }
        return ai.djl.ndarray.NDArrays.concat(parts, 0).reshape(s[0], s[1], w2T.getShape().get(1));
    }

    /** {@code q · kᵀ · scale + bias} for q, k [B, H, N, d] and bias broadcastable to [B, H, N, N] (or null). */
    public static NDArray attentionLogits(NDArray q, NDArray k, NDArray bias, float scale) {
        NDArray logits = q.matMul(k.transpose(0, 1, 3, 2));
        logits.muli(scale);
        return bias == null ? logits : logits.addi(bias);
    }

    /** Layer normalisation over the last axis. */
    public static NDArray layerNorm(NDArray x, LayerNormWeights ln) {
        long c = x.getShape().getLastDimension();
        return x.getNDArrayInternal().layerNorm(x, new Shape(c), ln.gamma(), ln.beta(), ln.eps()).head();
    }

    /**
     * Rows of {@code table} [V, C] at {@code ids} [B, N] (int64): [B, N, C], an embedding lookup as
     * one engine operation (the ONNX export records it as a {@code Gather}).
     */
    public static NDArray embed(NDArray table, NDArray ids) {
        return ids.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE).head();
    }
}
