package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.github.tokenreduce.core.AttentionSummary;

import java.util.function.Function;

/**
 * Multi-head self-attention that also exposes what reduction methods need, computed only when
 * asked: full-width keys and queries [B, N, C], head-averaged keys [B, N, d], attention
 * probabilities [B, H, N, N] or only their {@link AttentionSummary}, and per-head output norms
 * [B, H, N].
 *
 * <p>Large batches run in slices of the batch, so that no intermediate ([B', N, 3C] projections,
 * [B', H, N, N] scores) exceeds {@link #SLICE_BYTES}: glibc hands bigger buffers back to the kernel
 * on every free, and each call then pays a page fault per 4 KiB page (1.3 million per forward of a
 * 16 × 504-token BERT batch before slicing). Results are the same as in one piece. A traced array
 * (ONNX export) is never sliced.
 */
public final class SelfAttention {

    /** The largest intermediate computed at once: half glibc's 32 MiB mmap threshold. */
    static final long SLICE_BYTES = 16L << 20;

    /**
     * What to keep besides the output.
     *
     * @param summaryRow the query row of an {@link AttentionSummary} to keep, or -1 for none
     */
    public record Want(boolean fullKeys, boolean meanKeys, boolean probs, int summaryRow, boolean headNorms) {
        public static final Want NOTHING = new Want(false, false, false, -1, false);
    }

    /** Output [B, N, C] plus the requested internals (null when not requested). */
    public record Result(NDArray output, NDArray keys, NDArray queries, NDArray meanKeys,
            NDArray probs, AttentionSummary summary, NDArray headNorms) {}

    private SelfAttention() {}

    /**
     * Whether {@code x} may be computed in slices: not an array recorded by a Java proxy (the ONNX
     * tracer's, {@code io.github.tokenreduce.djl.export}), whose batch is symbolic, so a graph computes
     * it in one piece whatever the example's size.
     */
    static boolean sliceable(NDArray x) {
        return !java.lang.reflect.Proxy.isProxyClass(x.getClass());
    }

    /**
     * @param mm how the q/k/v and output projections are computed
     * @param x [B, N, C] (already layer-normalised)
     * @param bias additive logit bias broadcastable to [B, H, N, N], or null
     */
    public static Result forward(Matmuls mm, NDArray x, AttentionWeights w, NDArray bias, Want want) {
        return forward(mm, x, w, bias, null, want);
    }

    /**
     * As {@link #forward(Matmuls, NDArray, AttentionWeights, NDArray, Want)}, normalising with PuMer's
     * differentiable masked softmax over {@code softMask} [B, N] when it is given
     * ({@link KeyMasking#PUMER_SOFTMAX}).
     */
    public static Result forward(Matmuls mm, NDArray x, AttentionWeights w, NDArray bias, NDArray softMask,
            Want want) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long c = x.getShape().get(2);
        long perSample = 4 * Math.max(w.heads() * n * n, 3 * n * c);
        int slice = (int) Math.max(1, Math.min(b, SLICE_BYTES / Math.max(perSample, 1)));
        if (slice >= b || !sliceable(x)) {
            return slice(mm, x, w, bias, softMask, want);
        }
        Result[] parts = new Result[(int) ((b + slice - 1) / slice)];
        for (int i = 0; i < parts.length; i++) {
            String r = (long) i * slice + ":" + Math.min(b, (long) (i + 1) * slice);
            parts[i] = slice(mm, x.get(r), w, bias == null || bias.getShape().get(0) == 1 ? bias : bias.get(r),
                    softMask == null ? null : softMask.get(r), want);
        }
        AttentionSummary summary = parts[0].summary() == null ? null : new AttentionSummary(
                concat(parts, p -> p.summary().maxOverHeads()), concat(parts, p -> p.summary().queryRow()),
                want.summaryRow());
        return new Result(concat(parts, Result::output), concat(parts, Result::keys), concat(parts, Result::queries),
                concat(parts, Result::meanKeys), concat(parts, Result::probs), summary, concat(parts, Result::headNorms));
    }

    private static Result slice(Matmuls mm, NDArray x, AttentionWeights w, NDArray bias, NDArray softMask, Want want) {
        if (softMask == null && !want.probs() && want.summaryRow() < 0 && !want.headNorms()) {
            if (!want.fullKeys()) {
                NDArray[] fused = mm.selfAttention(x, w, bias, want.meanKeys());
                if (fused != null) {
                    return new Result(fused[0], null, null, fused[1], null, null, null);
                }
            } else {
                NDArray[] fused = mm.selfAttentionWithKeys(x, w, bias); // output, queries, keys
                if (fused != null) {
                    NDArray meanKeys = want.meanKeys() ? ReducingEncoder.headMean(fused[2], w.heads()) : null;
                    return new Result(fused[0], fused[2], fused[1], meanKeys, null, null, null);
                }
            }
        }
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        long c = x.getShape().get(2);
        int h = w.heads();
        long d = c / h;
        NDArray qkv = mm.linear(x, w.qkvT(), w.qkvB()); // [B, N, 3C]
        NDArray q = qkv.get(":, :, 0:" + c);
        NDArray k = qkv.get(":, :, " + c + ":" + 2 * c);
        NDArray v = qkv.get(":, :, " + 2 * c + ":");
        NDArray qh = q.reshape(b, n, h, d).transpose(0, 2, 1, 3);
        NDArray kh = k.reshape(b, n, h, d).transpose(0, 2, 1, 3);
        NDArray vh = v.reshape(b, n, h, d).transpose(0, 2, 1, 3);
        float scale = (float) (1.0 / Math.sqrt(d));
        NDArray probs = null;
        NDArray oh; // [B, H, N, d]
        if (want.probs() || want.summaryRow() >= 0 || softMask != null) {
            NDArray logits = Ops.attentionLogits(qh, kh, bias, scale);
            probs = softMask == null ? logits.softmax(-1) : maskedSoftmax(logits, softMask);
            logits.close();
            oh = probs.matMul(vh);
        } else {
            oh = mm.attention(qh, kh, vh, bias, scale); // no probabilities needed: the kernels' own path
        }
        NDArray norms = want.headNorms() ? oh.square().sum(new int[] {3}).sqrt() : null;
        NDArray merged = oh.transpose(0, 2, 1, 3).reshape(b, n, c);
        NDArray out = mm.linear(merged, w.outT(), w.outB());
        AttentionSummary summary = want.summaryRow() < 0 ? null : AttentionSummary.of(probs, want.summaryRow());
        if (probs != null && !want.probs()) {
            probs.close();
        }
        return new Result(out, want.fullKeys() ? k : null, want.fullKeys() ? q : null,
                want.meanKeys() ? kh.mean(new int[] {1}) : null, want.probs() ? probs : null, summary, norms);
    }

    private static NDArray concat(Result[] parts, Function<Result, NDArray> field) {
        if (field.apply(parts[0]) == null) {
            return null;
        }
        NDList list = new NDList();
        for (Result p : parts) {
            list.add(field.apply(p));
        }
        return NDArrays.concat(list, 0);
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
