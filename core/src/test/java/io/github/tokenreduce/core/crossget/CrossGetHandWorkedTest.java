package io.github.tokenreduce.core.crossget;

import static io.github.tokenreduce.core.testing.Arrays3.row;
import static io.github.tokenreduce.core.testing.Arrays3.tokens;
import static io.github.tokenreduce.core.testing.Arrays3.unit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenSet;
import org.junit.jupiter.api.Test;

/**
 * CLS (0) and cross token (5) protected. Tokens 1 and 2 are identical; 3 and 4 are 45° apart.
 * With importance I = [0, .6, -.5, .3, .3, 0]: best similarities m = [1, 1, .707, .707], ranks
 * 1, 2, 3, 4, so m̃ = [1 (sees 2), 0, .707 (sees 4), none] and σ = [-.4, -.5, -.407, +∞]:
 * token 2 leaves first (into 1), then token 3 (into 4).
 */
class CrossGetHandWorkedTest {

    private static final float S = (float) Math.sqrt(0.5);
    private static final float[][] METRIC = {
        unit(4, 3), unit(4, 0), unit(4, 0), unit(4, 1), {0, S, S, 0}, unit(4, 3)};
    private static final float[][] X = {{0, 0}, {1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}};
    private static final float[] I = {0, 0.6f, -0.5f, 0.3f, 0.3f, 0};

    @Test
    void authorsEnsembleOneStep() {
        try (NDManager m = NDManager.newBaseManager()) {
            Reduction out = run(m, EnsembleMode.AUTHORS, 1);
            assertArrayEquals(new long[] {0, 1, 3, 4, 5}, out.plan().keep().toLongArray());
            double ws = 2 / (1 + Math.exp(I[1] - I[2])); // 2·softmax([I2, I1])[0]
            double wd = 2 - ws;
            // Y = x1 + ws·x2 + (wd - 1)·x1, divided by size 2
            float v = (float) ((wd * 1 + ws * 2) / 2);
            assertArrayEquals(new float[] {0, 0, v, 10 * v, 3, 30, 4, 40, 5, 50},
                    out.tokens().hidden().toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {1, 2, 1, 1, 1}, out.tokens().sizes().toFloatArray());
        }
    }

    @Test
    void normalizedEnsembleTwoStepsKeepsOriginalOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            Reduction out = run(m, EnsembleMode.NORMALIZED, 2);
            assertArrayEquals(new long[] {0, 1, 4, 5}, out.plan().keep().toLongArray());
            double a1 = Math.exp(I[1]);
            double a2 = Math.exp(I[2]);
            float v12 = (float) ((a1 * 1 + a2 * 2) / (a1 + a2));
            float v34 = 3.5f; // equal importance: plain mean of 3 and 4
            assertArrayEquals(new float[] {0, 0, v12, 10 * v12, v34, 10 * v34, 5, 50},
                    out.tokens().hidden().toFloatArray(), 1e-5f);
        }
    }

    private static Reduction run(NDManager m, EnsembleMode mode, int r) {
        TokenSet t = TokenSet.builder(tokens(m, X)).protect(0, -1).build();
        SiteInputs in = SiteInputs.builder().metric(tokens(m, METRIC)).importance(row(m, I)).build();
        return CrossGetReducer.builder().r(r).ensembleMode(mode).build().reduce(t, in, 0);
    }
}
