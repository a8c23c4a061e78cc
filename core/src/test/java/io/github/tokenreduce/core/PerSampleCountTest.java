package io.github.tokenreduce.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RemovalCount#PER_SAMPLE}: in a padded batch, each sample removes the count its own real
 * tokens give and comes out exactly as it does alone, followed by padding; with
 * {@link RemovalCount#PADDED_BATCH} a short sample's result depends on the batch.
 */
class PerSampleCountTest {

    static final int[] LENGTHS = {10, 17, 6};
    static final int N = 17;
    static final int C = 8;

    @ParameterizedTest
    @ValueSource(strings = {"tome", "crossget"})
    void eachSampleInAPaddedBatchComesOutAsItDoesAlone(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(19);
            NDArray x = m.randomNormal(new Shape(LENGTHS.length, N, C));
            NDArray keys = m.randomNormal(new Shape(LENGTHS.length, N, C));
            TokenReducer r = reducer(method, RemovalCount.PER_SAMPLE);
            Reduction batch = r.reduce(tokens(m, x, LENGTHS), inputs(keys), 0);
            int[] counts = batch.plan().counts();
            float[] mask = batch.tokens().keyMask().toFloatArray();
            int out = batch.tokens().length();
            for (int b = 0; b < LENGTHS.length; b++) {
                int n = LENGTHS[b];
                // round(0.5 n) of its own n, clamped to (n - 1 protected) / 2 removals in one step
                int expected = n - Math.min(Schedule.keepRatio(0.5).removals(0, n), (n - 1) / 2);
                assertEquals(expected, counts[b], "sample " + b + " with its own n = " + n);
                NDArray xb = x.get(b + ":" + (b + 1) + ", :" + n + ", :");
                Reduction alone = r.reduce(tokens(m, xb, new int[] {n}), inputs(keys.get(b + ":" + (b + 1) + ", :" + n
                        + ", :")), 0);
                assertEquals(expected, alone.tokens().length());
                assertArrayEquals(alone.tokens().hidden().toFloatArray(),
                        batch.tokens().hidden().get(b + ", :" + expected + ", :").toFloatArray(), 1e-6f,
                        method + ": sample " + b + " in the batch vs alone");
                assertArrayEquals(alone.tokens().sizes().toFloatArray(),
                        batch.tokens().sizes().get(b + ", :" + expected).toFloatArray(), 1e-6f);
                for (int j = 0; j < out; j++) {
                    assertEquals(j < expected ? 1f : 0f, mask[b * out + j], 1e-6f, "key mask of sample " + b + " slot " + j);
                }
            }
        }
    }

    /** A real, protected token after the padding (CrossGET's cross token in CLIP and BLIP text towers). */
    @ParameterizedTest
    @ValueSource(strings = {"tome", "crossget"})
    void aRealTokenAfterThePaddingComesOutAsAlone(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(23);
            NDArray x = m.randomNormal(new Shape(LENGTHS.length, N + 1, C));
            NDArray keys = m.randomNormal(new Shape(LENGTHS.length, N + 1, C));
            TokenReducer r = reducer(method, RemovalCount.PER_SAMPLE);
            Reduction batch = r.reduce(crossTokens(m, x, LENGTHS), inputs(keys), 0);
            int[] counts = batch.plan().counts();
            for (int b = 0; b < LENGTHS.length; b++) {
                int n = LENGTHS[b];
                String real = b + ":" + (b + 1) + ", :" + n + ", :";
                String cross = b + ":" + (b + 1) + ", " + N + ":, :";
                NDArray xb = x.get(real).concat(x.get(cross), 1);
                NDArray kb = keys.get(real).concat(keys.get(cross), 1);
                Reduction alone = r.reduce(crossTokens(m, xb, new int[] {n + 1}), inputs(kb), 0);
                assertEquals(alone.tokens().length(), counts[b], "sample " + b);
                assertArrayEquals(alone.tokens().hidden().toFloatArray(),
                        batch.tokens().hidden().get(b + ", :" + counts[b] + ", :").toFloatArray(), 1e-6f,
                        method + ": sample " + b + " in the batch vs alone");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tome", "crossget"})
    void paddedBatchCountsTreatTheShortSampleOtherwise(String method) {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(19);
            NDArray x = m.randomNormal(new Shape(LENGTHS.length, N, C));
            NDArray keys = m.randomNormal(new Shape(LENGTHS.length, N, C));
            Reduction batch = reducer(method, RemovalCount.PADDED_BATCH).reduce(tokens(m, x, LENGTHS), inputs(keys), 0);
            // one count from the padded length: every sample's output has N - round(0.5 N) slots, padding included
            int[] counts = batch.plan().counts();
            assertTrue(counts[2] != 6 - Math.min(Schedule.keepRatio(0.5).removals(0, 6), 5 / 2), "the 6-token sample keeps "
                    + counts[2] + " slots, not its own count");
        }
    }

    private static TokenReducer reducer(String method, RemovalCount c) {
        Schedule s = Schedule.keepRatio(0.5);
        return method.equals("tome") ? ToMeReducer.builder().schedule(s).removalCount(c).build()
                : CrossGetReducer.builder().schedule(s).removalCount(c).build();
    }

    private static TokenSet tokens(NDManager m, NDArray x, int[] lengths) {
        int n = (int) x.getShape().get(1);
        float[] mask = new float[lengths.length * n];
        for (int b = 0; b < lengths.length; b++) {
            for (int j = 0; j < lengths[b]; j++) {
                mask[b * n + j] = 1f;
            }
        }
        return TokenSet.builder(x).keyMask(m.create(mask, new Shape(lengths.length, n))).protect(0).build();
    }

    /** Samples of {@code lengths[b] - 1} real tokens, padding, then one real token at the end; CLS and it protected. */
    private static TokenSet crossTokens(NDManager m, NDArray x, int[] lengths) {
        int n = (int) x.getShape().get(1);
        float[] mask = new float[lengths.length * n];
        for (int b = 0; b < lengths.length; b++) {
            for (int j = 0; j < lengths[b] - (n == lengths[b] ? 1 : 0); j++) {
                mask[b * n + j] = 1f;
            }
            mask[b * n + n - 1] = 1f;
        }
        return TokenSet.builder(x).keyMask(m.create(mask, new Shape(lengths.length, n))).protect(0, -1).build();
    }

    private static SiteInputs inputs(NDArray keys) {
        return SiteInputs.builder().metric(keys).guide(keys.get(":, 0, :")).build();
    }
}
