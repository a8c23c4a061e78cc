package io.github.tokenreduce.core.madtp;

import static io.github.tokenreduce.core.testing.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.OrderPolicy;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
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

/**
 * One MADTP step of the authors' BLIP ViT block ({@code shared/fixtures/madtp-step}, every case
 * folder): TIS and its parts, threshold, keep counts, the batch-max output
 * ({@link KeepCount#BATCH_MAX}, kept rows in index order) and the per-sample outputs
 * ({@link KeepCount#PER_SAMPLE} against the authors' block run on each sample alone), to 1e-5 with
 * exact counts, the dictionary scores taken from the block input.
 */
class MadtpStepFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesTheAuthorsStep() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("madtp-step")) {
            tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
        }
        return tests;
    }

    private static void check(Path dir) {
        JsonObject spec = Fixtures.json(dir.resolve("fixture.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> f = Fixtures.load(m, Fixtures.tensorsOf(dir));
            int b = spec.get("B").getAsInt();
            int n = spec.get("N").getAsInt();
            float t = spec.get("temperature").getAsFloat();
            assertEquals(t, f.get("temperature").getFloat(0));
            NDArray hidden = f.get("hidden");
            NDArray xIn = f.get("x_in");
            NDArray dict = f.get("dictionary");
            TokenSet tokens = TokenSet.builder(hidden).protect(0).build();

            // the parts, over the patches (CLS excluded)
            NDArray g = xIn.matMul(dict.transpose());
            assertClose(f.get("dict_tokens"), g.get(":, 1:, :"), 1e-4, "G = x_in · Dᵀ");
            NDArray cand = m.ones(new ai.djl.ndarray.types.Shape(b, n)).toType(DataType.FLOAT32, false);
            cand.set(new ai.djl.ndarray.index.NDIndex(":, 0"), 0f);
            NDArray tis = TokenImportanceScore.compute(
                    io.github.tokenreduce.core.AttentionSummary.of(f.get("attention"), 0), f.get("head_output_norms"), g, cand);
            assertClose(f.get("tis"), tis.get(":, 1:"), 1e-5, "tis");
            NDArray tau = DynamicThreshold.threshold(g, tis, cand, t);
            assertClose(f.get("tau"), tau, 1e-5, "tau");
            long[] expectedKeep = f.get("keep_counts").toLongArray();
            assertArrayEquals(expectedKeep, Arrays.stream(DynamicThreshold.keepCounts(tis, tau, cand))
                    .asLongStream().toArray(), "K_b");

            SiteInputs in = SiteInputs.builder().attention(f.get("attention"))
                    .headOutputNorms(f.get("head_output_norms")).blockInput(xIn).build();
            MadtpReducer.Builder madtp = MadtpReducer.builder().dictionary(dict).schedule(Schedule.dynamic())
                    .temperature(t).order(OrderPolicy.ORIGINAL);

            Reduction batch = madtp.keepCount(KeepCount.BATCH_MAX).build().reduce(tokens, in, 0);
            assertClose(f.get("x_out_index_order"), batch.tokens().hidden(), 1e-5, "x_out (index order)");

            Reduction single = madtp.keepCount(KeepCount.PER_SAMPLE).build().reduce(tokens, in, 0);
            for (int s = 0; s < b; s++) {
                NDArray want = f.get("x_out_single_" + s).squeeze(0);
                int count = single.plan().counts()[s];
                assertEquals(want.getShape().get(0), count, "sample " + s + " keeps CLS + K_b + fused");
                assertEquals(expectedKeep[s] + 2, count);
                NDArray got = single.tokens().hidden().get(s + ", :" + count + ", :");
                assertSameRows(want, got, 1e-5, "x_out_single_" + s);
            }

            capped(f, tokens, in, madtp, expectedKeep);

            // G from the pruned states instead of the block input moves the keep counts
            Reduction post = madtp.keepCount(KeepCount.PER_SAMPLE).build().reduce(tokens,
                    SiteInputs.builder().attention(f.get("attention")).headOutputNorms(f.get("head_output_norms"))
                            .build(), 0);
            assertFalse(Arrays.equals(single.plan().counts(), post.plan().counts()),
                    "the block input decides the keep counts");
        }
    }

    /**
     * The capped step ({@code keepCap}): at the largest K_b the cap binds nothing, so the batch-max output
     * is the authors' (same width, K + 2) and every per-sample output the authors' single-sample one in
     * its first K_b + 2 slots, the rest padding with key mask 0; one below it, every sample keeps K - 1
     * and fuses the rest, the fused token recomputed here from the authors' TIS and states.
     */
    private static void capped(Map<String, NDArray> f, TokenSet tokens, SiteInputs in, MadtpReducer.Builder madtp,
            long[] keepCounts) {
        int k = (int) Arrays.stream(keepCounts).max().orElseThrow();
        Reduction batch = madtp.keepCount(KeepCount.BATCH_MAX).keepCap(k).build().reduce(tokens, in, 0);
        assertClose(f.get("x_out_index_order"), batch.tokens().hidden(), 1e-5, "capped at K: x_out (index order)");

        Reduction single = madtp.keepCount(KeepCount.PER_SAMPLE).keepCap(k).build().reduce(tokens, in, 0);
        assertEquals(k + 2, single.tokens().length(), "width: CLS + cap + fused");
        float[] keyMask = single.tokens().keyMask().toFloatArray();
        for (int s = 0; s < keepCounts.length; s++) {
            int count = (int) keepCounts[s] + 2;
            assertEquals(count, single.plan().counts()[s], "sample " + s + " keeps CLS + K_b + fused");
            assertSameRows(f.get("x_out_single_" + s).squeeze(0), single.tokens().hidden().get(s + ", :" + count + ", :"),
                    1e-5, "capped x_out_single_" + s);
            for (int j = 0; j < k + 2; j++) {
                assertEquals(j < count ? 1f : 0f, keyMask[s * (k + 2) + j], 1e-5, "key mask, sample " + s + " slot " + j);
            }
        }

        Reduction tight = madtp.keepCount(KeepCount.BATCH_MAX).keepCap(k - 1).build().reduce(tokens, in, 0);
        assertEquals(k + 1, tight.tokens().length());
        NDArray tis = f.get("tis"); // [B, N-1], over the patches
        NDArray hidden = f.get("hidden");
        for (int s = 0; s < keepCounts.length; s++) {
            float[] t = tis.get(s).toFloatArray();
            Integer[] order = new Integer[t.length];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, (a, b) -> Float.compare(t[b], t[a]));
            NDArray patches = hidden.get(s + ", 1:, :");
            NDArray fused = patches.zerosLike().get("0");
            double total = 0;
            for (int r = k - 1; r < order.length; r++) {
                total += t[order[r]];
            }
            for (int r = k - 1; r < order.length; r++) {
                fused = fused.add(patches.get(order[r]).mul((float) (t[order[r]] / (total + 1e-8))));
            }
            assertClose(fused, tight.tokens().hidden().get(s + ", -1, :"), 1e-4, "sample " + s
                    + ": the fused token of everything past the cap's K - 1");
        }
    }

    /**
     * The same first and last rows (CLS, fused token), and the rows between equal as a set: the
     * authors keep rows in {@code topk(sorted=False)} order, which is implementation-defined.
     */
    private static void assertSameRows(NDArray want, NDArray got, double tol, String what) {
        assertClose(want.get("0:1, :"), got.get("0:1, :"), tol, what + " CLS");
        assertClose(want.get("-1:, :"), got.get("-1:, :"), tol, what + " fused token");
        NDArray w = want.get("1:-1, :");
        NDArray g = got.get("1:-1, :");
        NDArray dist = w.expandDims(1).sub(g.expandDims(0)).abs().max(new int[] {2}); // [K, K]
        NDArray nearest = dist.argMin(1);
        assertTrue(dist.min(new int[] {1}).max().getFloat() <= tol, what + ": a kept row has no match");
        long distinct = Arrays.stream(nearest.toLongArray()).distinct().count();
        assertEquals(w.getShape().get(0), distinct, what + ": kept rows match one to one");
    }
}
