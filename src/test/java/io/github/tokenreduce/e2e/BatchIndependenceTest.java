package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.github.tokenreduce.cli.data.Passages;
import io.github.tokenreduce.core.RemovalCount;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A text's reduced embedding does not depend on its batch-mates: each text embedded alone equals
 * the same text embedded in one padded batch with texts of other lengths (passages cut at 220, 150,
 * 90 and 40 words: above and below the 64-token floor), for every text method at the library's
 * text level.
 */
class BatchIndependenceTest {

    static SentenceEncoder encoder;
    static List<String> texts;
    static float[][] plain;

    @BeforeAll
    static void setUp() throws IOException {
        encoder = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu());
        List<Passages.Passage> ps = Passages.read(Fixtures.shared().resolve("data/austen/austen_passages300.jsonl"));
        texts = new ArrayList<>();
        texts.add(words(ps.get(40).text(), 150));
        texts.add(words(ps.get(7).text(), 220));
        texts.add(words(ps.get(900).text(), 40));
        texts.add(words(ps.get(1500).text(), 90));
        plain = encoder.embed(texts);
    }

    @AfterAll
    static void tearDown() {
        encoder.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tome", "crossget", "madtp"})
    void aTextAloneEqualsTheSameTextInABatch(String method) {
        SentenceEncoder e = reduced(Levels.reducer(method, Levels.textSchedule(0.8), false));
        float[][] together = e.embed(texts);
        for (int i = 0; i < texts.size(); i++) {
            float[] alone = e.embed(List.of(texts.get(i)))[0];
            assertArrayEquals(alone, together[i], 1e-5f, method + ": text " + i + " alone vs in the batch");
        }
        // the reduction acts on the long texts (else the test would prove nothing)
        assertTrue(cos(plain[1], together[1]) < 0.9999, method + " changes the 220-word text");
        assertTrue(cos(plain[0], together[0]) < 0.9999, method + " changes the 150-word text");
    }

    /** The counts from the padded batch (the authors' convention) make the short texts depend on their batch. */
    @Test
    void paddedBatchCountsDependOnTheBatch() {
        SentenceEncoder e = reduced(CrossGetReducer.builder().schedule(Levels.textSchedule(0.8))
                .proportionalAttention(false).removalCount(RemovalCount.PADDED_BATCH).build());
        float[][] together = e.embed(texts);
        float[] alone = e.embed(List.of(texts.get(0)))[0];
        assertTrue(cos(alone, together[0]) < 0.99999, "padded-batch counts: text 0 alone " + Arrays.toString(
                Arrays.copyOf(alone, 3)) + " vs in the batch " + Arrays.toString(Arrays.copyOf(together[0], 3)));
    }

    private static SentenceEncoder reduced(TokenReducer r) {
        return encoder.withBatchSize(8).withReduction(Site.TEXT_BLOCKS, TowerReduction.of(r));
    }

    private static String words(String text, int n) {
        String[] w = text.split(" ");
        return String.join(" ", Arrays.copyOf(w, Math.min(n, w.length)));
    }

    private static double cos(float[] a, float[] b) {
        double d = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return d / Math.sqrt(na * nb);
    }
}
