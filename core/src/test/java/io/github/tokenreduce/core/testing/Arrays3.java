package io.github.tokenreduce.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Builds small NDArrays from Java arrays in tests. */
public final class Arrays3 {

    private Arrays3() {}

    /** [1, N, C] from rows. */
    public static NDArray tokens(NDManager m, float[][] rows) {
        int n = rows.length;
        int c = rows[0].length;
        float[] flat = new float[n * c];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, flat, i * c, c);
        }
        return m.create(flat, new Shape(1, n, c));
    }

    /** [1, N] from values. */
    public static NDArray row(NDManager m, float... v) {
        return m.create(v, new Shape(1, v.length));
    }

    /** Unit basis vector e_k in {@code dim} dimensions, optionally mixed with e_k2. */
    public static float[] unit(int dim, int k) {
        float[] v = new float[dim];
        v[k] = 1f;
        return v;
    }

    /** Row k of x [1, N, C] as float[]. */
    public static float[] rowOf(NDArray x, int k) {
        return x.get("0, " + k + ", :").toFloatArray();
    }
}
