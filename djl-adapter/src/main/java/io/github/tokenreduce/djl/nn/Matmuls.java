package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

import java.util.Collection;

/**
 * How a model computes its linear layers {@code x · wT + b} (x [..., in], wT [in, out], b [out] or
 * null): in float32 ({@link #FP32}), or with weights prepared once in a lower precision
 * ({@link #prepare}). Immutable and thread-safe.
 */
public interface Matmuls {

    /** Float32 products (DJL's {@code matMul}). */
    Matmuls FP32 = new Matmuls() {
        @Override
        public NDArray linear(NDArray x, NDArray wT, NDArray b) {
            return Ops.linear(x, wT, b);
        }

        @Override
        public Precision precision() {
            return Precision.FP32;
        }
    };

    /** {@code x · wT + b}; the same shapes and float32 result whatever the precision. */
    NDArray linear(NDArray x, NDArray wT, NDArray b);

    /** The feed-forward {@code act(x · w1T + b1) · w2T + b2} of x [B, N, C]; float32 in and out. */
    default NDArray feedForward(NDArray x, NDArray w1T, NDArray b1, Activation act, NDArray w2T, NDArray b2) {
        return Ops.feedForward(this, x, w1T, b1, act, w2T, b2);
    }

    /**
     * {@code softmax(q · kᵀ · scale + bias) · v} for q, k, v [B, H, N, d] and bias broadcastable to
     * [B, H, N, N] (or null): [B, H, N, d], float32 in and out.
     */
    default NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, float scale) {
        NDArray logits = Ops.attentionLogits(q, k, bias, scale);
        NDArray probs = logits.softmax(-1);
        logits.close();
        NDArray out = probs.matMul(v);
        probs.close();
        return out;
    }

    /**
     * The whole self-attention sublayer {@code Attn(x)} of x [B, N, C] in one kernel, when this
     * implementation has one: {@code [output [B, N, C], head-mean keys [B, N, C / H] or null]}, or null
     * to let {@link SelfAttention} compose it from {@link #linear} and {@link #attention}.
     */
    default NDArray[] selfAttention(NDArray x, AttentionWeights w, NDArray bias, boolean meanKeys) {
        return null;
    }

    /**
     * As {@link #selfAttention}, giving the full-width queries and keys instead of head-mean keys:
     * {@code [output [B, N, C], queries [B, N, C], keys [B, N, C]]} equal to what {@link SelfAttention}
     * composes from {@link #linear} and {@link #attention}, or null to let it compose them.
     */
    default NDArray[] selfAttentionWithKeys(NDArray x, AttentionWeights w, NDArray bias) {
        return null;
    }

    /** The precision actually used (never {@link Precision#AUTO}). */
    Precision precision();

    /**
     * Products in {@code precision} (resolved for the weights' device: {@link Precision#resolve}) for
     * {@code layers}; any other weight a caller passes runs in float32. The prepared weights live on
     * the weights' manager and are freed with it.
     */
    static Matmuls prepare(Precision precision, Collection<LinearWeights> layers) {
        if (layers.isEmpty()) {
            return FP32;
        }
        Precision p = precision.resolve(layers.iterator().next().wT().getDevice());
        return p == Precision.FP32 ? FP32 : PreparedMatmuls.of(p, layers);
    }
}
