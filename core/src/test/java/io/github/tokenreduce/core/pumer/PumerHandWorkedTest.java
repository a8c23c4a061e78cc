package io.github.tokenreduce.core.pumer;

import static io.github.tokenreduce.core.testing.Arrays3.tokens;
import static io.github.tokenreduce.core.testing.Arrays3.unit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenSet;
import org.junit.jupiter.api.Test;

/**
 * Text: [CLS, t1, t2] with t2 padding and t1, t2 sharing a key. Image: 5 tokens whose text-to-image
 * scores are 0.30, 0.05, 0.25, 0.20, 0.20 (token 1 lowest) and whose keys make tokens 3 and 4
 * identical.
 */
class PumerHandWorkedTest {

    private static final float[] SCORE = {0.30f, 0.05f, 0.25f, 0.20f, 0.20f};

    @Test
    void prunesLowestImageTokenMergesIdenticalOnesAndMergesTextWithFractionalMask() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] x = {{0, 0}, {1, 10}, {2, 20}, {10, 100}, {11, 110}, {12, 120}, {13, 130},
                {14, 140}};
            float[][] keys = {unit(6, 0), unit(6, 1), unit(6, 1), // text
                unit(6, 2), unit(6, 3), unit(6, 4), unit(6, 5), unit(6, 5)}; // image
            NDArray mask = m.create(new float[] {1, 1, 0, 1, 1, 1, 1, 1}, new Shape(1, 8));
            TokenSet t = TokenSet.builder(tokens(m, x)).keyMask(mask)
                    .spans(ModalitySpans.textThenImage(3, 5)).build();
            // text→image attention: both real text queries give the same row SCORE; the padding
            // query attends elsewhere and must not vote.
            float[] a = new float[3 * 5];
            System.arraycopy(SCORE, 0, a, 0, 5);
            System.arraycopy(SCORE, 0, a, 5, 5);
            a[10] = 1f;
            NDArray t2i = m.create(a, new Shape(1, 1, 3, 5));
            SiteInputs in = SiteInputs.builder().metric(tokens(m, keys)).crossAttention(t2i).build();
            // prune round(0.2·5) = 1, merge round(0.2·5) = 1, text round(0.34·3) = 1
            Reduction out = PumerReducer.builder().pruneRatio(0.2).mergeRatio(0.2)
                    .textMergeRatio(0.34).layers(0).build().reduce(t, in, 0);

            assertEquals(ModalitySpans.textThenImage(2, 3), out.tokens().spans());
            // text: A = {CLS, t2}, B = {t1}; t2 merges into t1 → [CLS, (t1 + t2)/2], mask [1, 0.5]
            // image: kept in score order [10, 12, 13, 14]; A = {10 (protected), 13}, B = {12, 14};
            // 13 and 14 share a key → [10, 12, (13 + 14)/2]
            assertArrayEquals(new float[] {0, 0, 1.5f, 15, 10, 100, 12, 120, 13.5f, 135},
                    out.tokens().hidden().toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {1, 0.5f, 1, 1, 1}, out.tokens().keyMask().toFloatArray(),
                    1e-6f);
            assertArrayEquals(new float[] {1, 2, 1, 1, 2}, out.tokens().sizes().toFloatArray());
            // the pruned image token (index 3 + 1 = 4) maps nowhere
            assertEquals(-1L, out.plan().assignment().getLong(0, 4));
        }
    }

    @Test
    void scoresAreNormalisedByTrueTextLength() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray att = m.create(new float[] {0.2f, 0.8f, 0.6f, 0.4f, 0.9f, 0.1f}, new Shape(1, 3, 2));
            NDArray mask = m.create(new float[] {1, 1, 0}, new Shape(1, 3));
            assertArrayEquals(new float[] {0.4f, 0.6f},
                    TextInformedPruning.scores(att, mask, TextVotes.REAL_TEXT).toFloatArray(), 1e-6f);
            // the authors' code: the padding row votes too, still divided by the real length 2
            assertArrayEquals(new float[] {0.85f, 0.65f},
                    TextInformedPruning.scores(att, mask, TextVotes.ALL_ROWS).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void firstHeadScoreReadsHeadZeroOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            // two heads over 2 text rows (second one padding) and 2 image tokens: head 0 prefers image
            // token 1, head 1 (and so the head mean) prefers image token 0
            NDArray att = m.create(new float[] {0.2f, 0.8f, 0.5f, 0.5f, 0.9f, 0.1f, 0.5f, 0.5f},
                    new Shape(1, 2, 2, 2));
            NDArray mask = m.create(new float[] {1, 0}, new Shape(1, 2));
            assertArrayEquals(new float[] {0.2f, 0.8f}, TextInformedPruning.scores(att, mask,
                    TextVotes.REAL_TEXT, PruneScore.FIRST_HEAD).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.55f, 0.45f}, TextInformedPruning.scores(att, mask,
                    TextVotes.REAL_TEXT, PruneScore.MEAN_HEAD).toFloatArray(), 1e-6f);
            // the authors' vote: the padding row of head 0 counts too, over the real length 1
            assertArrayEquals(new float[] {0.7f, 1.3f}, TextInformedPruning.scores(att, mask,
                    TextVotes.ALL_ROWS, PruneScore.FIRST_HEAD).toFloatArray(), 1e-6f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TextInformedPruning.scores(att.mean(new int[] {1}), mask, TextVotes.REAL_TEXT,
                            PruneScore.FIRST_HEAD));
            assertTrue(e.getMessage().contains("per-head"), e.getMessage());
        }
    }

    @Test
    void firstHeadPruningKeepsWhatHeadZeroPrefers() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] x = {{0, 0}, {10, 100}, {11, 110}, {12, 120}};
            float[][] keys = {unit(4, 0), unit(4, 1), unit(4, 2), unit(4, 3)};
            TokenSet t = TokenSet.builder(tokens(m, x)).spans(ModalitySpans.textThenImage(1, 3)).build();
            // one text row, two heads over 3 image tokens: head 0 ranks 2 > 1 > 0, the head mean 0 > 2 > 1
            NDArray t2i = m.create(new float[] {0.1f, 0.3f, 0.6f, 0.9f, 0.05f, 0.05f}, new Shape(1, 2, 1, 3));
            SiteInputs in = SiteInputs.builder().metric(tokens(m, keys)).crossAttention(t2i).build();
            PumerReducer.Builder b = PumerReducer.builder().pruneRatio(0.34).mergeRatio(0).textMergeRatio(0)
                    .layers(0);
            // prune round(0.34·3) = 1 token; kept in score order
            assertArrayEquals(new float[] {0, 0, 12, 120, 11, 110},
                    b.pruneScore(PruneScore.FIRST_HEAD).build().reduce(t, in, 0).tokens().hidden().toFloatArray());
            assertArrayEquals(new float[] {0, 0, 10, 100, 12, 120},
                    b.pruneScore(PruneScore.MEAN_HEAD).build().reduce(t, in, 0).tokens().hidden().toFloatArray());
        }
    }

    @Test
    void simMethodNamesTheAuthorsUse() {
        assertEquals(PruneScore.FIRST_HEAD, PruneScore.fromSimMethod("fh"));
        assertEquals(PruneScore.FIRST_HEAD, PruneScore.fromSimMethod("first_head"));
        assertEquals(PruneScore.MEAN_HEAD, PruneScore.fromSimMethod("MH"));
        assertEquals(PruneScore.MEAN_HEAD, PruneScore.fromSimMethod("mean_head"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PruneScore.fromSimMethod("km"));
        assertTrue(e.getMessage().contains("\"km\""), e.getMessage());
    }
}
