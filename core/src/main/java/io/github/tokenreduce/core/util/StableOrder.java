package io.github.tokenreduce.core.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Deterministic, device-independent ordering. Backends' argsort is not stable (PyTorch's CPU and
 * CUDA kernels break ties differently), so ranks are computed exactly by pairwise comparison:
 * {@code rank(i) = #{j : v_j > v_i} + #{j < i : v_j == v_i}} — a stable descending sort with
 * ties broken by index. Ranks are distinct integers, so any argsort of them yields the same order.
 * Cost {@code O(N^2)} per row, the same order as the similarity matrices the matchers build.
 */
public final class StableOrder {

    private StableOrder() {}

    /** Stable descending ranks of {@code values} [B, N] along the last axis, as int64 [B, N]. */
    public static NDArray descendingRanks(NDArray values) {
        long n = values.getShape().get(1);
        NDManager m = values.getManager();
        NDArray vi = values.expandDims(2); // [B, N, 1] the ranked element
        NDArray vj = values.expandDims(1); // [B, 1, N] the competitor
        NDArray idx = m.arange(n).toDevice(values.getDevice(), false);
        NDArray before = idx.expandDims(0).lt(idx.expandDims(1)); // [N, N]: j < i
        NDArray ahead = vj.gt(vi).logicalOr(vj.eq(vi).logicalAnd(before));
        return ahead.toType(DataType.INT64, false).sum(new int[] {2});
    }

    /** Stable ascending ranks (ties broken by index). */
    public static NDArray ascendingRanks(NDArray values) {
        return descendingRanks(values.neg());
    }

    /** The permutation that sorts by the given distinct ranks: {@code order[k] = i with rank(i) = k}. */
    public static NDArray orderOf(NDArray ranks) {
        return ranks.argSort(1, true);
    }
}
