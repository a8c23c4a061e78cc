package io.github.tokenreduce.core.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Small tensor helpers used by the operators; every one is scatter-free and NaN-free. */
public final class Tensors {

    /** Finite stand-in for minus infinity in masked maxima: never produces NaN. */
    public static final float NEG = -1e9f;

    private Tensors() {}

    /** Gathers tokens along axis 1: {@code x} [B, N, ...], {@code idx} int64 [B, K] gives [B, K, ...]. */
    public static NDArray gatherTokens(NDArray x, NDArray idx) {
        Shape xs = x.getShape();
        if (xs.dimension() == 2) {
            return x.gather(idx, 1);
        }
        long[] dims = xs.getShape().clone();
        dims[1] = idx.getShape().get(1);
        long[] view = new long[dims.length];
        java.util.Arrays.fill(view, 1);
        view[0] = dims[0];
        view[1] = dims[1];
        return x.gather(idx.reshape(new Shape(view)).broadcast(new Shape(dims)), 1);
    }

    /** L2-normalises the last axis; zero rows stay zero instead of becoming NaN. */
    public static NDArray normalize(NDArray x) {
        NDArray norm = x.square().sum(new int[] {-1}, true).sqrt();
        return x.div(norm.maximum(1e-12f));
    }

    /** {@code [0, 1, ..., n-1]} as int64 on {@code like}'s device. */
    public static NDArray arange(NDArray like, long n) {
        NDManager m = like.getManager();
        return m.arange(0, n, 1, DataType.INT64).toDevice(like.getDevice(), false);
    }

    /**
     * Index of the first maximum along {@code axis}, counting values within {@code tol} of the
     * maximum as ties (so identical tokens, whose scores a GEMM may round differently in the last
     * bit, resolve to the first index on every BLAS and device), int64.
     */
    public static NDArray argMaxFirst(NDArray x, int axis, float tol) {
        int ax = axis < 0 ? x.getShape().dimension() + axis : axis;
        long n = x.getShape().get(ax);
        NDArray max = x.max(new int[] {ax}, true);
        long[] view = new long[x.getShape().dimension()];
        java.util.Arrays.fill(view, 1);
        view[ax] = n;
        NDArray idx = arange(x, n).reshape(new Shape(view));
        NDArray big = idx.zerosLike().add(n);
        return select(x.gte(max.sub(tol)), idx, big).min(new int[] {ax});
    }

    /** Index of the first maximum along {@code axis} (deterministic tie-break), int64. */
    public static NDArray argMaxFirst(NDArray x, int axis) {
        int ax = axis < 0 ? x.getShape().dimension() + axis : axis;
        long n = x.getShape().get(ax);
        NDArray max = x.max(new int[] {ax}, true);
        long[] view = new long[x.getShape().dimension()];
        java.util.Arrays.fill(view, 1);
        view[ax] = n;
        NDArray idx = arange(x, n).reshape(new Shape(view));
        NDArray big = idx.zerosLike().add(n);
        return select(x.eq(max), idx, big).min(new int[] {ax});
    }

    /** {@code cond ? a : b} with scalar {@code b}; shapes broadcast. */
    public static NDArray where(NDArray cond, NDArray a, float b) {
        return select(cond, a, a.zerosLike().add(b));
    }

    /** {@code cond ? a : b}, elementwise, with NumPy broadcasting (DJL's {@code where} has none). */
    public static NDArray select(NDArray cond, NDArray a, NDArray b) {
        Shape target = broadcastShape(broadcastShape(cond.getShape(), a.getShape()), b.getShape());
        return NDArrays.where(expand(cond, target), expand(a, target), expand(b, target));
    }

    private static NDArray expand(NDArray x, Shape target) {
        return x.getShape().equals(target) ? x : x.broadcast(target);
    }

    private static Shape broadcastShape(Shape a, Shape b) {
        int rank = Math.max(a.dimension(), b.dimension());
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.dimension() ? 1 : a.get(i - (rank - a.dimension()));
            long db = i < rank - b.dimension() ? 1 : b.get(i - (rank - b.dimension()));
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    /** Reads a host copy of a small int tensor. */
    public static int[] toIntArray(NDArray x) {
        return x.toType(DataType.INT32, false).toIntArray();
    }

    /** A host copy of a [N, D] tensor as N rows of float32. */
    public static float[][] rows(NDArray x) {
        if (x.getShape().dimension() != 2) {
            throw new IllegalArgumentException("rows: expected [N, D] but got " + x.getShape());
        }
        int n = (int) x.getShape().get(0);
        int d = (int) x.getShape().get(1);
        float[] flat = x.toType(DataType.FLOAT32, false).toFloatArray();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return out;
    }
}
