package io.github.tokenreduce.core.pumer;

import static io.github.tokenreduce.core.testing.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.testing.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One PuMer step of the authors' ViLT block ({@code shared/fixtures/pumer-step}, every case
 * folder), with ratios and lengths from {@code fixture.json}: image scores (padding rows voting),
 * kept image set, output states and fractional mask to 1e-5, under {@link PumerReducer.Builder#asAuthors()}
 * with the image [CLS] marked protected (the authors' code prunes it anyway).
 */
class PumerStepFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesTheAuthorsStep() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("pumer-step")) {
            tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
        }
        return tests;
    }

    private static void check(Path dir) {
        JsonObject spec = Fixtures.json(dir.resolve("fixture.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> f = Fixtures.load(m, Fixtures.tensorsOf(dir));
            int lt = spec.get("Lt").getAsInt();
            int li = spec.get("Li").getAsInt();
            TokenSet tokens = TokenSet.builder(f.get("hidden")).keyMask(f.get("mask"))
                    .spans(ModalitySpans.textThenImage(lt, li)).protect(0, lt).build();
            SiteInputs in = SiteInputs.builder().metric(f.get("metric")).crossAttention(f.get("cross_attention")).build();
            PumerReducer.Builder pumer = PumerReducer.builder().pruneRatio(spec.get("prune_ratio").getAsDouble())
                    .mergeRatio(spec.get("merge_ratio").getAsDouble())
                    .textMergeRatio(spec.get("merge_text").getAsDouble()).layers(0);

            assertClose(f.get("image_scores"), TextInformedPruning.scores(f.get("cross_attention"),
                    f.get("text_mask"), TextVotes.ALL_ROWS), 1e-6, "image_scores");
            Reduction out = pumer.asAuthors().build().reduce(tokens, in, 0);
            int textOut = (int) f.get("text_len_out").toLongArray()[0];
            assertEquals(spec.get("text_out").getAsInt(), textOut);
            assertEquals(textOut, out.tokens().spans().textLength());
            assertEquals(spec.get("image_out").getAsInt(), out.tokens().spans().imageLength());
            assertClose(f.get("x_out"), out.tokens().hidden(), 1e-5, "x_out");
            assertClose(f.get("mask_out"), out.tokens().keyMask(), 1e-6, "mask_out");
            List<Set<Long>> authorsKept = keptImage(out, lt);
            long[] keepIdx = f.get("keep_idx").toLongArray();
            int keep = (int) f.get("keep_idx").getShape().get(1);
            for (int s = 0; s < authorsKept.size(); s++) {
                Set<Long> want = new TreeSet<>();
                Arrays.stream(keepIdx, s * keep, (s + 1) * keep).forEach(want::add);
                assertEquals(want, authorsKept.get(s), "kept image tokens of sample " + s);
            }

            // with padding rows silenced, other image tokens are kept
            Reduction defended = pumer.textVotes(TextVotes.REAL_TEXT).build().reduce(tokens, in, 0);
            assertNotEquals(authorsKept, keptImage(defended, lt), "padding votes decide the kept set");
        }
    }

    /** Image inputs (offset removed) that reach some output token, per sample. */
    private static List<Set<Long>> keptImage(Reduction r, int lt) {
        long[] slot = r.plan().assignment().toLongArray();
        int n = r.plan().inputLength();
        List<Set<Long>> out = new ArrayList<>();
        for (int s = 0; s < slot.length / n; s++) {
            Set<Long> kept = new TreeSet<>();
            for (int i = lt; i < n; i++) {
                if (slot[s * n + i] >= 0) {
                    kept.add((long) (i - lt));
                }
            }
            out.add(kept);
        }
        return out;
    }
}
