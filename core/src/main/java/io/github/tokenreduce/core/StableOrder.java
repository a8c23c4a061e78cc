package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.util.Tensors;

/**
 * Deterministic ranking of scores [B, N] along the last axis. Backends' argsort gives no tie-break
 * guarantee (CPU and CUDA kernels differ), so with {@link TieBreak#INDEX} ranks are computed
 * exactly by pairwise comparison, {@code O(N^2)} per row — the same order as the similarity
 * matrices the matchers build — and equal values keep index order. Ranks are distinct integers, so
 * any argsort of them yields one answer on any device. {@link TieBreak#PYTORCH_CPU} instead
 * reproduces the reference implementations' order on the host.
 */
public final class StableOrder {

    private StableOrder() {}

    /** Descending ranks, int64 [B, N]: rank 0 is the largest value. */
    public static NDArray descendingRanks(NDArray values, TieBreak tie) {
        return ranks(values, true, tie);
    }

    /** Ascending ranks, int64 [B, N]: rank 0 is the smallest value. */
    public static NDArray ascendingRanks(NDArray values, TieBreak tie) {
        return ranks(values, false, tie);
    }

    /** The permutation that sorts by distinct ranks: {@code order[k] = i with rank(i) = k}. */
    public static NDArray orderOf(NDArray ranks) {
        return ranks.argSort(1, true);
    }

    private static NDArray ranks(NDArray values, boolean descending, TieBreak tie) {
        if (tie == TieBreak.PYTORCH_CPU) {
            return hostRanks(values, descending);
        }
        long b = values.getShape().get(0);
        long n = values.getShape().get(1);
        // rows in slices, so the [B', N, N] comparison stays small (no page-fault storm on big N)
        long slice = Math.max(1, Math.min(b, (16L << 20) / Math.max(1, n * n * 4)));
        if (slice < b) {
            ai.djl.ndarray.NDList parts = new ai.djl.ndarray.NDList();
            for (long from = 0; from < b; from += slice) {
                parts.add(ranks(values.get(from + ":" + Math.min(b, from + slice)), descending, tie));
            }
            return ai.djl.ndarray.NDArrays.concat(parts, 0);
        }
        NDArray vi = values.expandDims(2); // [B, N, 1] the ranked element
        NDArray vj = values.expandDims(1); // [B, 1, N] the competitor
        NDArray idx = Tensors.arange(values, n);
        NDArray earlier = idx.reshape(1, 1, n).lt(idx.reshape(1, n, 1)); // [1, i, j]: j < i
        // j is ahead of i when its value is better, or equal and j comes earlier
        NDArray ahead = Tensors.select(earlier, descending ? vj.gte(vi) : vj.lte(vi),
                descending ? vj.gt(vi) : vj.lt(vi));
        return ahead.sum(new int[] {2}); // a boolean sum counts in int64
    }

    private static NDArray hostRanks(NDArray values, boolean descending) {
        Shape s = values.getShape();
        int b = (int) s.get(0);
        int n = (int) s.get(1);
        float[] all = values.toType(DataType.FLOAT32, false).toFloatArray();
        long[] out = new long[b * n];
        float[] row = new float[n];
        for (int r = 0; r < b; r++) {
            System.arraycopy(all, r * n, row, 0, n);
            int[] order = IntroSort.order(row, descending);
            for (int k = 0; k < n; k++) {
                out[r * n + order[k]] = k;
            }
        }
        return values.getManager().create(out, s).toDevice(values.getDevice(), false);
    }
}
