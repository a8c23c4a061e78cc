package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Deterministic ranking of finite scores [B, N] along the last axis. Backends' argsort gives no tie-break
 * guarantee (CPU and CUDA kernels differ), so with {@link TieBreak#INDEX} equal values keep index order
 * by construction: one sort of the values (any order among equals), then one of the distinct keys
 * (run of equal values, index), {@code O(N log N)} per row. Ranks are distinct integers, so any
 * argsort of them yields one answer on any device. {@link TieBreak#PYTORCH_CPU} instead
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
        long n = values.getShape().get(1);
        // Any sort puts equal values side by side, whatever order it leaves them in: number the runs of
        // equal values along it, then sort by (run, index), which are distinct, so no tie is left.
        NDArray order = values.argSort(1, !descending);
        NDArray sorted = values.gather(order, 1);
        NDArray before = NDArrays.concat(new NDList(sorted.get(":, :1"), sorted.get(":, :-1")), 1);
        NDArray run = (descending ? before.gt(sorted) : before.lt(sorted)).cumSum(1); // counts in int64
        NDArray stable = order.gather(run.mul(n).add(order).argSort(1, true), 1);
        return orderOf(stable); // the inverse permutation
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
