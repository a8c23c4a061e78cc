package io.github.tokenreduce.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;

/** Tensor assertions. */
public final class Assertions2 {

    private Assertions2() {}

    /** Same shape and every element within {@code tol}; reports the worst element. */
    public static void assertClose(NDArray expected, NDArray actual, double tol, String what) {
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(),
                what + ": shape");
        float[] e = expected.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[] a = actual.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double d = Math.abs(e[i] - a[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        final double w = worst;
        final int k = at;
        assertTrue(w <= tol, () -> what + ": max |diff| " + w + " at flat index " + k
                + " (expected " + e[k] + ", got " + a[k] + "), tolerance " + tol);
    }
}
