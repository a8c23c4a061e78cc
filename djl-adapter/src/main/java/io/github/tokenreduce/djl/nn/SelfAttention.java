package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

/**
 * Multi-head self-attention that also exposes what reduction methods need, computed only when
 * asked: full-width keys and queries [B, N, C], head-averaged keys [B, N, d], attention
 * probabilities [B, H, N, N] and per-head output norms [B, H, N].
 */
public final class SelfAttention {

    /** What to keep besides the output. */
    public record Want(boolean fullKeys, boolean meanKeys, boolean probs, boolean headNorms) {
        public static final Want NOTHING = new Want(false, false, false, false);
    }

    /** Output [B, N, C] plus the requested internals (null when not requested). */
    public record Result(NDArray output, NDArray keys, NDArray queries, NDArray meanKeys,
            NDArray probs, NDArray headNorms) {}

    private SelfAttention() {}

    /**
     * @param x [B, N, C] (already layer-normalised)
     * @param bias additive logit bias broadcastable to [B, H, N, N], or null
     */
    public static Result forward(NDArray x, AttentionWeights w, NDArray bias, Want want) {
        return forward(x, w, bias, null, want);
    }

    /**
     * As {@link #forward(NDArray, AttentionWeights, NDArray, Want)}, normalising with PuMer's
     * differentiable masked softmax over {@code softMask} [B, N] when it is given
     * ({@link KeyMasking#PUMER_SOFTMAX}).
     */
    public static Result forward(NDArray x, AttentionWeights w, NDArray bias, NDArray softMask, Want want) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long c = x.getShape().get(2);
        int h = w.heads();
        long d = c / h;
        NDArray qkv = Ops.linear(x, w.qkvT(), w.qkvB()); // [B, N, 3C]
        NDArray q = qkv.get(":, :, 0:" + c);
        NDArray k = qkv.get(":, :, " + c + ":" + 2 * c);
        NDArray v = qkv.get(":, :, " + 2 * c + ":");
        NDArray qh = q.reshape(b, n, h, d).transpose(0, 2, 1, 3);
        NDArray kh = k.reshape(b, n, h, d).transpose(0, 2, 1, 3);
        NDArray vh = v.reshape(b, n, h, d).transpose(0, 2, 1, 3);
        NDArray logits = qh.matMul(kh.transpose(0, 1, 3, 2)).mul((float) (1.0 / Math.sqrt(d)));
        if (bias != null) {
            logits = logits.add(bias);
        }
        NDArray probs = softMask == null ? logits.softmax(-1) : maskedSoftmax(logits, softMask);
        NDArray oh = probs.matMul(vh); // [B, H, N, d]
        NDArray norms = want.headNorms() ? oh.square().sum(new int[] {3}).sqrt() : null;
        NDArray merged = oh.transpose(0, 2, 1, 3).reshape(b, n, c);
        NDArray out = Ops.linear(merged, w.outT(), w.outB());
        return new Result(out, want.fullKeys() ? k : null, want.fullKeys() ? q : null,
                want.meanKeys() ? kh.mean(new int[] {1}) : null, want.probs() ? probs : null, norms);
    }

    /** PuMer's {@code differentiable_masked_softmax} of logits [B, H, N, N] over mask [B, N], eps 1e-6. */
    static NDArray maskedSoftmax(NDArray logits, NDArray mask) {
        long b = mask.getShape().get(0);
        long n = mask.getShape().get(1);
        NDArray m = mask.toType(logits.getDataType(), false).reshape(b, 1, 1, n);
        NDArray eye = logits.getManager().eye((int) n).toType(logits.getDataType(), false)
                .toDevice(logits.getDevice(), false).reshape(1, 1, n, n);
        NDArray seen = m.add(m.neg().add(1f).mul(eye));
        NDArray e = logits.sub(logits.max(new int[] {-1}, true)).exp().mul(seen);
        float eps = 1e-6f;
        return e.add(eps / n).div(e.sum(new int[] {-1}, true).add(eps));
    }
}
