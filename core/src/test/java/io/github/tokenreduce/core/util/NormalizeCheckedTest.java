package io.github.tokenreduce.core.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * {@link Tensors#normalizeChecked}: the same values as {@link Tensors#normalize} (bit for bit) on
 * finite input, the {@link Checks#finite} error on a NaN or an infinity anywhere, and no error on
 * finite values whose squares overflow.
 */
class NormalizeCheckedTest {

    @Test
    void finiteInputGivesTheNormalizedRows() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(3, 7, 5));
            float[] got = Tensors.normalizeChecked("metric", x).toFloatArray();
            assertArrayEquals(Tensors.normalize(x).toFloatArray(), got, 0f);
            float[] in = x.toFloatArray();
            for (int row = 0; row < 21; row++) {
                double norm = 0;
                for (int k = 0; k < 5; k++) {
                    norm += (double) in[row * 5 + k] * in[row * 5 + k];
                }
                for (int k = 0; k < 5; k++) {
                    assertEquals(in[row * 5 + k] / Math.sqrt(norm), got[row * 5 + k], 1e-6, "row " + row);
                }
            }
        }
    }

    @Test
    void nanOrInfinityAnywhereIsRejectedByName() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            try (NDManager m = NDManager.newBaseManager()) {
                float[] v = new float[2 * 4 * 3];
                java.util.Arrays.fill(v, 0.5f);
                v[17] = bad;
                NDArray x = m.create(v, new Shape(2, 4, 3));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Tensors.normalizeChecked("metric", x));
                assertEquals("metric: contains NaN or infinite values (shape (2, 4, 3))", e.getMessage());
            }
        }
    }

    @Test
    void finiteValuesWhoseSquaresOverflowPass() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {3e20f, 4e20f, 1f, 2f}, new Shape(1, 2, 2));
            NDArray out = assertDoesNotThrow(() -> Tensors.normalizeChecked("metric", x));
            assertArrayEquals(Tensors.normalize(x).toFloatArray(), out.toFloatArray(), 0f);
        }
    }
}
