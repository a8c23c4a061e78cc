package io.github.tokenreduce.core;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.BipartiteMatcher;
import io.github.tokenreduce.core.tome.ToMeReducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every bad input is an IllegalArgumentException naming the argument and the shapes. */
class BadInputTest {

    private NDManager m;
    private TokenSet tokens;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
        m.getEngine().setRandomSeed(31);
        tokens = TokenSet.builder(m.randomNormal(new Shape(2, 10, 4))).protect(0).build();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private static void rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void metricOfWrongRankOrShape() {
        ToMeReducer tome = ToMeReducer.builder().r(2).build();
        rejects(() -> tome.reduce(tokens, SiteInputs.ofMetric(m.ones(new Shape(2, 10))), 0),
                "metric", "[B, N, c]", "(2, 10)");
        rejects(() -> tome.reduce(tokens, SiteInputs.ofMetric(m.ones(new Shape(2, 9, 4))), 0),
                "metric", "(2, 10, *)", "(2, 9, 4)");
        rejects(() -> tome.reduce(tokens, SiteInputs.ofMetric(m.ones(new Shape(3, 10, 4))), 0),
                "metric", "(3, 10, 4)");
        rejects(() -> tome.reduce(tokens, SiteInputs.builder().build(), 0), "metric", "missing");
    }

    @Test
    void nanOrInfinityInTheMetric() {
        NDArray metric = m.ones(new Shape(2, 10, 4));
        NDArray nan = metric.duplicate();
        nan.set(new ai.djl.ndarray.index.NDIndex("1, 3, 2"), Float.NaN);
        NDArray inf = metric.duplicate();
        inf.set(new ai.djl.ndarray.index.NDIndex("0, 0, 0"), Float.POSITIVE_INFINITY);
        ToMeReducer tome = ToMeReducer.builder().r(2).build();
        rejects(() -> tome.reduce(tokens, SiteInputs.ofMetric(nan), 0), "metric", "NaN", "(2, 10, 4)");
        CrossGetReducer cg = CrossGetReducer.builder().r(2).build();
        rejects(() -> cg.reduce(tokens, SiteInputs.builder().metric(inf).guide(m.ones(new Shape(2, 4))).build(), 0),
                "metric", "infinite");
    }

    @Test
    void rOutOfRange() {
        NDArray metric = m.randomNormal(new Shape(2, 10, 4));
        rejects(() -> BipartiteMatcher.match(metric, tokens.protectedMask(), tokens.keyMask(), -1,
                TieBreak.INDEX), "r", "-1");
        rejects(() -> BipartiteMatcher.match(metric, tokens.protectedMask(), tokens.keyMask(), 11,
                TieBreak.INDEX), "r", "11", "N = 10");
        rejects(() -> ToMeReducer.builder().r(-3), "r", "-3");
        rejects(() -> Schedule.perLayer(4, -1), "r[1]", "-1");
    }

    @Test
    void emptyBatchAllPaddingSampleAndProtectedIndexOutOfRange() {
        rejects(() -> TokenSet.of(m.ones(new Shape(0, 10, 4))), "hidden", "empty batch", "(0, 10, 4)");
        NDArray mask = m.create(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                new Shape(2, 10));
        rejects(() -> TokenSet.builder(m.ones(new Shape(2, 10, 4))).keyMask(mask), "keyMask", "no real token");
        rejects(() -> TokenSet.builder(m.ones(new Shape(2, 10, 4))).protect(10), "protect", "10", "N = 10");
        rejects(() -> TokenSet.builder(m.ones(new Shape(2, 10, 4))).protect(-11), "protect", "-11");
        rejects(() -> TokenSet.builder(m.ones(new Shape(2, 10, 4))).protectPerSample(new long[] {3}),
                "protectPerSample", "batch 2");
        rejects(() -> TokenSet.builder(m.ones(new Shape(2, 10, 4))).sizes(m.ones(new Shape(2, 9))).build(),
                "sizes", "(2, 9)");
    }

    @Test
    void guideAttentionDictionaryAndSpansShapes() {
        NDArray metric = m.randomNormal(new Shape(2, 10, 4));
        CrossGetReducer cg = CrossGetReducer.builder().r(2).build();
        rejects(() -> cg.reduce(tokens, SiteInputs.builder().metric(metric).guide(m.ones(new Shape(2, 5))).build(), 0),
                "guide", "[B, c]", "(2, 5)");
        rejects(() -> cg.reduce(tokens, SiteInputs.ofMetric(metric), 0), "guide", "missing");

        MadtpReducer madtp = MadtpReducer.builder().dictionary(m.ones(new Shape(3, 4))).build();
        SiteInputs wrongAtt = SiteInputs.builder().attention(m.ones(new Shape(2, 2, 10, 9))).build();
        rejects(() -> madtp.reduce(tokens, wrongAtt, 0), "attention", "[B, H, N, N]", "(2, 2, 10, 9)");
        SiteInputs att = SiteInputs.builder().attention(m.ones(new Shape(2, 2, 10, 10))).build();
        rejects(() -> MadtpReducer.builder().dictionary(m.ones(new Shape(3, 5))).build().reduce(tokens, att, 0),
                "dictionary", "[M, C]", "(3, 5)");
        rejects(() -> MadtpReducer.builder().build().reduce(tokens, att, 0), "dictionary", "[M, C]", "withModelValues");
        rejects(() -> MadtpReducer.builder().dictionary(m.ones(new Shape(3))), "dictionary", "[M, C]", "(3)");
        rejects(() -> MadtpReducer.builder().temperature(-1f), "temperature");

        PumerReducer pumer = PumerReducer.builder().layers(0).build();
        rejects(() -> pumer.reduce(tokens, SiteInputs.ofMetric(metric), 0), "spans", "[text, image]");
        TokenSet withSpans = tokens.toBuilder().spans(ModalitySpans.textThenImage(4, 6)).build();
        rejects(() -> pumer.reduce(withSpans, SiteInputs.builder().metric(metric)
                .crossAttention(m.ones(new Shape(2, 1, 4, 5))).build(), 0), "crossAttention", "Li = 6");
        rejects(() -> PumerReducer.builder().pruneRatio(1.5), "pruneRatio", "1.5");
        rejects(() -> new ModalitySpans(0, 5, 3, 4), "spans", "overlap");
        rejects(() -> tokens.toBuilder().spans(ModalitySpans.textThenImage(4, 7)).build(), "spans", "N = 10");
    }
}
