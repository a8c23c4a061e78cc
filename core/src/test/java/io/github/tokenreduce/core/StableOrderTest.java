package io.github.tokenreduce.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

/**
 * {@link StableOrder} with {@link TieBreak#INDEX} against the definition, counted in Java: the rank of i is the
 * number of values better than v_i plus the number of equal ones before i. Rows are drawn from a few values
 * (many ties, the case a backend's sort leaves unordered), with 0 and -0 (equal) and large magnitudes.
 */
class StableOrderTest {

    private static final float[] POOL = {0f, -0f, 1f, -1f, 0.5f, -1e9f, -2e9f, 3.25f};

    @Test
    void ranksFollowValueThenIndex() {
        Random rnd = new Random(5);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int n : new int[] {1, 2, 7, 64, 301}) {
                int b = 3;
                float[] v = new float[b * n];
                for (int i = 0; i < v.length; i++) {
                    v[i] = rnd.nextInt(4) == 0 ? (float) rnd.nextGaussian() : POOL[rnd.nextInt(POOL.length)];
                }
                NDArray values = m.create(v, new Shape(b, n));
                for (boolean descending : new boolean[] {true, false}) {
                    long[] got = (descending ? StableOrder.descendingRanks(values, TieBreak.INDEX)
                            : StableOrder.ascendingRanks(values, TieBreak.INDEX)).toLongArray();
                    assertArrayEquals(expected(v, b, n, descending), got, (descending ? "descending" : "ascending")
                            + " ranks of " + b + " x " + n + ": " + Arrays.toString(v));
                }
            }
        }
    }

    @Test
    void orderOfIsTheStableSort() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray values = m.create(new float[] {2f, 5f, 2f, 5f, -0f, 0f, 5f, 2f}, new Shape(1, 8));
            assertArrayEquals(new long[] {1, 3, 6, 0, 2, 7, 4, 5},
                    StableOrder.orderOf(StableOrder.descendingRanks(values, TieBreak.INDEX)).toLongArray());
            assertArrayEquals(new long[] {4, 5, 0, 2, 7, 1, 3, 6},
                    StableOrder.orderOf(StableOrder.ascendingRanks(values, TieBreak.INDEX)).toLongArray());
        }
    }

    private static long[] expected(float[] v, int b, int n, boolean descending) {
        long[] out = new long[b * n];
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < n; i++) {
                float vi = v[r * n + i];
                long rank = 0;
                for (int j = 0; j < n; j++) {
                    float vj = v[r * n + j];
                    boolean better = descending ? vj > vi : vj < vi;
                    rank += better || (vj == vi && j < i) ? 1 : 0;
                }
                out[r * n + i] = rank;
            }
        }
        return out;
    }
}
