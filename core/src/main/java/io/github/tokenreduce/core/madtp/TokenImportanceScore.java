package io.github.tokenreduce.core.madtp;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.AttentionSummary;
import io.github.tokenreduce.core.util.Checks;
import io.github.tokenreduce.core.util.Tensors;

/**
 * MADTP's Token Importance Score (Cao et al., CVPR 2024) over candidate tokens
 * (real, unprotected), with the authors' epsilons (models/vit.py {@code Reduce_token}, {@code Attention}):
 * <ul>
 *   <li>{@code a_self(j) = Σ_i max_h A[h, i, j]} over candidate queries i, divided by its sum + 1e-8;
 *   <li>{@code a_dict(j) = max_m G[j, m]}, {@code G = X·Dᵀ} from the block input, divided by its
 *       sum + 1e-8 (a denominator within 1e-12 of zero is replaced by 1e-12, so the raw dot
 *       products never yield an infinity);
 *   <li>{@code a_cls(j) = Σ_h ω_h(j) A[h, cls, j]} with {@code ω_h(j) = ‖O_h(j)‖ / (Σ_h' ‖O_h'(j)‖ + 1e-8)},
 *       or equal head weights when no head-output norms are given; not renormalised;
 *   <li>{@code TIS = (a_self + a_dict + a_cls) / 3}, 0 on non-candidates.
 * </ul>
 */
public final class TokenImportanceScore {

    /** The authors' epsilon in every normalisation. */
    static final float EPS = 1e-8f;

    private TokenImportanceScore() {}

    /**
     * @param attention the attention probabilities' summary: max over heads, and the class row
     * @param headNorms [B, H, N] per-head output norms, or {@code null}
     * @param dictTokens {@code G} [B, N, M], from the block input
     * @param candidates [B, N] float 1/0
     * @return TIS [B, N]
     */
    public static NDArray compute(AttentionSummary attention, NDArray headNorms, NDArray dictTokens,
            NDArray candidates) {
        NDArray maxHeads = attention.maxOverHeads(); // [B, N, N]
        NDArray aSelf = candidates.expandDims(1).matMul(maxHeads).squeeze(1).mul(candidates);
        aSelf = aSelf.div(aSelf.sum(new int[] {1}, true).add(EPS));

        NDArray aDict = dictTokens.max(new int[] {2}).mul(candidates);
        NDArray den = aDict.sum(new int[] {1}, true).add(EPS);
        den = Tensors.select(den.abs().lt(1e-12f), den.zerosLike().add(1e-12f), den);
        aDict = aDict.div(den);

        NDArray clsRow = attention.queryRow(); // [B, H, N]
        NDArray aCls;
        if (headNorms == null) {
            aCls = clsRow.mean(new int[] {1});
        } else {
            NDArray w = headNorms.div(headNorms.sum(new int[] {1}, true).add(EPS));
            aCls = w.mul(clsRow).sum(new int[] {1});
        }
        aCls = aCls.mul(candidates);
        return aSelf.add(aDict).add(aCls).div(3f);
    }

    /** Validates the attention summary and head-norm shapes against [B, N]. */
    static void check(AttentionSummary attention, int clsIndex, NDArray headNorms, long b, long n) {
        if (attention.row() != clsIndex) {
            throw new IllegalArgumentException("attentionSummary: holds query row " + attention.row()
                    + " but the class token is at " + clsIndex);
        }
        Checks.shape("attentionSummary.maxOverHeads", attention.maxOverHeads(), new long[] {b, n, n}, "[B, N, N]");
        Checks.shape("attentionSummary.queryRow", attention.queryRow(), new long[] {b, -1, n}, "[B, H, N]");
        Checks.finite("attentionSummary.maxOverHeads", attention.maxOverHeads());
        Checks.finite("attentionSummary.queryRow", attention.queryRow());
        if (headNorms != null) {
            long h = attention.queryRow().getShape().get(1);
            Checks.shape("headOutputNorms", headNorms, new long[] {b, h, n}, "[B, H, N]");
            Checks.finite("headOutputNorms", headNorms);
        }
    }
}
