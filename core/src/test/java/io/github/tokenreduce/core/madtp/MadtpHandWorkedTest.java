package io.github.tokenreduce.core.madtp;

import static io.github.tokenreduce.core.testing.Arrays3.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.OrderPolicy;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenSet;
import org.junit.jupiter.api.Test;

/**
 * Every query attends with the same row w, so token j receives w_j from everyone: a_self ∝ w_j,
 * a_cls = w_j. A zero dictionary makes a_dict = 0. TIS is then (w_j / Σ_cand w + w_j) / 3, and the
 * ranking follows w: tokens 4 > 2 > 5 > 1 > 3.
 */
class MadtpHandWorkedTest {

    private static final float[] W = {0.1f, 0.12f, 0.25f, 0.05f, 0.3f, 0.18f};

    @Test
    void fixedScheduleKeepsTopTokensAndFusesTheRestByImportance() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] x = {{0, 0}, {1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}};
            TokenSet t = TokenSet.builder(tokens(m, x)).protect(0).build();
            // remove r = 2: keep K = 5 - 2 - 1 = 2 candidates (4 and 2) plus one fused token
            Reduction out = MadtpReducer.builder().dictionary(m.zeros(new Shape(3, 2))).schedule(Schedule.constant(2)).build()
                    .reduce(t, inputs(m, 1, 6, 2), 0);
            assertArrayEquals(new int[] {4}, out.plan().counts());
            assertArrayEquals(new long[] {0, 2, 4, 5}, out.plan().keep().toLongArray(),
                    "CLS, kept in original order, then the fused token anchored at its top member 5");
            double sum = W[1] + W[2] + W[3] + W[4] + W[5];
            double[] tis = new double[6];
            for (int j = 1; j < 6; j++) {
                tis[j] = (W[j] / sum + W[j]) / 3;
            }
            double fused = (tis[1] * 1 + tis[3] * 3 + tis[5] * 5) / (tis[1] + tis[3] + tis[5]);
            float f = (float) fused;
            assertArrayEquals(new float[] {0, 0, 2, 20, 4, 40, f, 10 * f},
                    out.tokens().hidden().toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {1, 1, 1, 3}, out.tokens().sizes().toFloatArray());
        }
    }

    @Test
    void scoreOrderPutsTheMostImportantFirst() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] x = {{0, 0}, {1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}};
            TokenSet t = TokenSet.builder(tokens(m, x)).protect(0).build();
            Reduction out = MadtpReducer.builder().dictionary(m.zeros(new Shape(3, 2))).schedule(Schedule.constant(2))
                    .order(OrderPolicy.SCORE).build().reduce(t, inputs(m, 1, 6, 2), 0);
            assertArrayEquals(new long[] {0, 4, 2, 5}, out.plan().keep().toLongArray());
        }
    }

    @Test
    void paddingIsDroppedAndCountsArePerSample() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] x = {{0, 0}, {1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}};
            NDArray two = tokens(m, x).repeat(0, 2);
            // sample 1: tokens 4 and 5 are padding
            NDArray mask = m.create(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 6));
            TokenSet t = TokenSet.builder(two).keyMask(mask).protect(0).build();
            Reduction out = MadtpReducer.builder().dictionary(m.zeros(new Shape(3, 2))).schedule(Schedule.constant(1)).build()
                    .reduce(t, inputs(m, 2, 6, 2), 0);
            // sample 0: 5 candidates, keep 3 + fused = 5 tokens; sample 1: 3 candidates, keep 1 + fused
            assertArrayEquals(new int[] {5, 3}, out.plan().counts());
            assertEquals(5, out.tokens().length());
            assertArrayEquals(new float[] {1, 1, 1, 0, 0}, out.tokens().keyMask().get(1).toFloatArray());
            assertArrayEquals(new float[] {1, 1, 2, 0, 0}, out.tokens().sizes().get(1).toFloatArray(),
                    "padding tokens are dropped, not fused");
        }
    }

    /** Attention where every query row is W, over batch b (the methods get a zero dictionary of width c). */
    static SiteInputs inputs(NDManager m, int b, int n, int c) {
        float[] a = new float[n * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(W, 0, a, i * n, n);
        }
        NDArray att = m.create(a, new Shape(1, 1, n, n));
        return SiteInputs.builder().attention(att.repeat(0, b)).build();
    }
}
