package io.github.tokenreduce.core.madtp;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.util.Tensors;

/**
 * MADTP's per-instance threshold (Cao et al., CVPR 2024): {@code P = softmax_tokens(G / T)} over the
 * candidates, {@code τ_b = min_m Σ_j P[b, j, m]·TIS[b, j]}, keep count
 * {@code K_b = #{j : TIS[b, j] > τ_b}}. A larger T flattens P, so τ approaches the mean TIS and
 * fewer tokens are kept.
 */
public final class DynamicThreshold {

    private DynamicThreshold() {}

    /** Threshold τ [B] from {@code G} [B, N, M], TIS [B, N], candidates [B, N] and temperature T > 0. */
    public static NDArray threshold(NDArray dictTokens, NDArray tis, NDArray candidates,
            float temperature) {
        NDArray logits = Tensors.where(candidates.gt(0f).expandDims(2), dictTokens.div(temperature),
                Tensors.NEG);
        NDArray p = logits.softmax(1); // over tokens
        NDArray expected = p.mul(tis.expandDims(2)).sum(new int[] {1}); // [B, M]
        return expected.min(new int[] {1});
    }

    /** Keep counts {@code K_b} [B] on the host. */
    public static int[] keepCounts(NDArray tis, NDArray tau, NDArray candidates) {
        return Tensors.toIntArray(keepCountArray(tis, tau, candidates));
    }

    /** Keep counts {@code K_b}, int64 [B], left in the tensors (a traced graph computes them). */
    public static NDArray keepCountArray(NDArray tis, NDArray tau, NDArray candidates) {
        return tis.gt(tau.expandDims(1)).logicalAnd(candidates.gt(0f)).sum(new int[] {1}); // booleans sum as int64
    }
}
