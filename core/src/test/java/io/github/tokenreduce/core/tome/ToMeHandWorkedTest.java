package io.github.tokenreduce.core.tome;

import static io.github.tokenreduce.core.testing.Arrays3.row;
import static io.github.tokenreduce.core.testing.Arrays3.tokens;
import static io.github.tokenreduce.core.testing.Arrays3.unit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenSet;
import org.junit.jupiter.api.Test;

/** Six tokens whose similarities make the correct merges known in advance. */
class ToMeHandWorkedTest {

    // A = {0, 2, 4}, B = {1, 3, 5}. Token 2 equals token 3 (cos 1); token 4 is 45° from token 5.
    private static final float S = (float) Math.sqrt(0.5);
    private static final float[][] METRIC = {
        unit(5, 0), unit(5, 1), unit(5, 2), unit(5, 2), unit(5, 3), {0, 0, 0, S, S}};
    private static final float[][] X = {{0, 0}, {1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}};

    @Test
    void mostSimilarPairMergesFirstAndOutputFollowsToMeOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            Reduction out = run(m, 1, new float[] {1, 1, 1, 1, 1, 1});
            // [unmerged A by index: 0, 4] then [B: 1, 3+2, 5]
            assertArrayEquals(new long[] {0, 4, 1, 3, 5}, out.plan().keep().toLongArray());
            assertArrayEquals(new long[] {2}, out.plan().sources().toLongArray());
            assertArrayEquals(new long[] {3}, out.plan().targets().toLongArray());
            assertArrayEquals(new float[] {0, 0, 4, 40, 1, 10, 2.5f, 25, 5, 50},
                    out.tokens().hidden().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {1, 1, 1, 2, 1}, out.tokens().sizes().toFloatArray());
        }
    }

    @Test
    void secondStepTakesNextBestEdgeAndWeighsBySize() {
        try (NDManager m = NDManager.newBaseManager()) {
            // token 4 has size 3: the merge of 4 into 5 is (3·x4 + 1·x5) / 4
            Reduction out = run(m, 2, new float[] {1, 1, 1, 1, 3, 1});
            assertArrayEquals(new long[] {0, 1, 3, 5}, out.plan().keep().toLongArray());
            assertArrayEquals(new float[] {0, 0, 1, 10, 2.5f, 25, 4.25f, 42.5f},
                    out.tokens().hidden().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {1, 1, 2, 4}, out.tokens().sizes().toFloatArray());
        }
    }

    @Test
    void protectedClassTokenNeverMergesAndRIsClamped() {
        try (NDManager m = NDManager.newBaseManager()) {
            Reduction out = run(m, 5, new float[] {1, 1, 1, 1, 1, 1});
            // (6 - 1 protected) // 2 = 2
            assertEquals(5, out.plan().requested());
            assertEquals(2, out.plan().applied());
            assertTrue(out.plan().clamped());
            assertEquals(4, out.tokens().length());
            assertArrayEquals(new float[] {0, 0}, out.tokens().hidden().get("0, 0, :").toFloatArray());
        }
    }

    @Test
    void distillationTokenStaysAtIndexOneAsInToMesPatch() {
        try (NDManager m = NDManager.newBaseManager()) {
            // cls 0 (A) and dist 1 (B) protected: ToMe's [cls, dist, unm[1:], dst[1:]]
            TokenSet t = TokenSet.builder(tokens(m, X)).protect(0, 1).build();
            Reduction out = ToMeReducer.builder().r(1).build().reduce(t, SiteInputs.ofMetric(tokens(m, METRIC)), 0);
            assertArrayEquals(new long[] {0, 1, 4, 3, 5}, out.plan().keep().toLongArray());
            assertArrayEquals(new long[] {2}, out.plan().sources().toLongArray());
            assertArrayEquals(new long[] {3}, out.plan().targets().toLongArray());
        }
    }

    private static Reduction run(NDManager m, int r, float[] sizes) {
        NDArray x = tokens(m, X);
        TokenSet t = TokenSet.builder(x).sizes(row(m, sizes)).protect(0).build();
        return ToMeReducer.builder().r(r).build().reduce(t, SiteInputs.ofMetric(tokens(m, METRIC)), 0);
    }
}
