package io.github.tokenreduce.djl.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.testing.RandomClip;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Methods attached to CLIP's towers: counts per layer, finiteness, plumbing, threads, leaks. */
class ClipReductionTest {

    private static NDManager m;
    private static ClipModel clip;
    private static NDArray pixels;
    private static long[][] ids;

    @BeforeAll
    static void setUp() throws Exception {
        m = NDManager.newBaseManager();
        Path dir = Files.createTempDirectory("clip");
        Path f = dir.resolve("m.safetensors");
        SafetensorsWriter.write(f, RandomClip.openAi(m, 11), SafetensorsWriter.Encoding.F32);
        clip = ClipModel.load(f, Device.cpu());
        pixels = m.randomNormal(new Shape(2, 3, 224, 224));
        ids = RandomClip.ids(3, 2);
    }

    @AfterAll
    static void tearDown() {
        clip.close();
        m.close();
    }

    @Test
    void tomeFollowsItsScheduleOnBothTowers() {
        ClipModel c = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(16).build()))
                .withReduction(Site.TEXT_BLOCKS, TowerReduction.of(ToMeReducer.builder().schedule(Schedule.perLayer(8, 5)).build()));
        ClipModel.Encoded img = c.encodeImage(pixels);
        ClipModel.Encoded txt = c.encodeText(m, ids);
        assertArrayEquals(new int[] {181, 165}, img.tokensPerLayer());
        assertArrayEquals(new int[] {69, 64}, txt.tokensPerLayer());
        assertFinite(img.embeddings());
        assertFinite(txt.embeddings());
    }

    @Test
    void crossGetAppendsACrossTokenAndFollowsItsSchedule() {
        ClipModel c = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(16).build()))
                .withReduction(Site.TEXT_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(6).build()));
        assertArrayEquals(new int[] {182, 166}, c.encodeImage(pixels).tokensPerLayer(), "197 + cross token");
        ClipModel.Encoded txt = c.encodeText(m, ids);
        assertArrayEquals(new int[] {72, 66}, txt.tokensPerLayer(), "77 + cross token");
        assertFinite(txt.embeddings());
    }

    @Test
    void learnedCrossOffsetsChangeTheResultAndAreShapeChecked() {
        CrossGetReducer cg = CrossGetReducer.builder().r(16).build();
        NDArray zero = m.zeros(new Shape(RandomClip.LAYERS, RandomClip.WIDTH));
        NDArray some = m.randomNormal(new Shape(RandomClip.LAYERS, RandomClip.WIDTH));
        NDArray base = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(cg)).encodeImages(pixels);
        NDArray withZero = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(
                CrossGetReducer.builder().r(16).crossTokenOffsets(zero).build())).encodeImages(pixels);
        NDArray withSome = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(
                CrossGetReducer.builder().r(16).crossTokenOffsets(some).build())).encodeImages(pixels);
        assertTrue(Shared.maxDiff(base, withZero) < 1e-6, "zero offsets are the training-free default");
        assertTrue(Shared.maxDiff(base, withSome) > 1e-4, "learned offsets reach the result");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(
                        CrossGetReducer.builder().r(16).crossTokenOffsets(m.zeros(new Shape(3, 64))).build())));
        assertTrue(e.getMessage().contains("crossOffsets") && e.getMessage().contains("(2, 64)"), e.getMessage());
    }

    @Test
    void madtpPrunesDynamicallyWithTheDefaultOrALearnedDictionary() {
        MadtpReducer madtp = MadtpReducer.builder().temperature(0.5f).build();
        ClipModel c = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(madtp))
                .withReduction(Site.TEXT_BLOCKS, TowerReduction.of(madtp));
        ClipModel.Encoded img = c.encodeImage(pixels);
        int[] counts = img.tokensPerLayer();
        assertTrue(counts[0] < 197 && counts[1] <= counts[0], java.util.Arrays.toString(counts));
        assertFinite(img.embeddings());
        ClipModel.Encoded txt = c.encodeText(m, ids);
        assertTrue(txt.tokensPerLayer()[0] < 77, "padding after the end-of-text token is dropped");
        assertFinite(txt.embeddings());
        NDArray dict = m.randomNormal(new Shape(10, RandomClip.WIDTH));
        ClipModel learned = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(
                MadtpReducer.builder().temperature(0.5f).dictionary(dict).build()));
        assertFinite(learned.encodeImages(pixels));
        assertThrows(IllegalArgumentException.class, () ->
                clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(
                        MadtpReducer.builder().temperature(0.5f).dictionary(m.ones(new Shape(10, 3))).build())));
    }

    @Test
    void attachedMethodRemovingNothingLeavesTheEmbeddings() {
        NDArray img = clip.encodeImages(pixels);
        NDArray txt = clip.encodeTexts(m, ids);
        TokenReducer off = ToMeReducer.builder().r(0).build();
        ClipModel c = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(off)).withReduction(Site.TEXT_BLOCKS, TowerReduction.of(off));
        assertTrue(Shared.maxDiff(img, c.encodeImages(pixels)) < 1e-5);
        assertTrue(Shared.maxDiff(txt, c.encodeTexts(m, ids)) < 1e-5, "padding mask must not reach the EOT");
        // CrossGET's text cross token sits after everything: causally invisible to the EOT
        ClipModel cg = clip.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(0).build()));
        assertTrue(Shared.maxDiff(txt, cg.encodeTexts(m, ids)) < 1e-5);
        // and a real reduction does change them
        ClipModel tome = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(16).build()));
        assertTrue(Shared.maxDiff(img, tome.encodeImages(pixels)) > 1e-4);
    }

    @Test
    void pumerIsRejectedBecauseClipHasNoCrossAttention() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(PumerReducer.builder().build())));
        assertTrue(e.getMessage().contains("dual encoder"), e.getMessage());
    }

    @Test
    void concurrentCallersGetTheSameAnswersAndNothingLeaks() throws Exception {
        ClipModel c = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(16).build()));
        float[] expected = c.encodeImages(pixels).toFloatArray();
        c.encodeTexts(m, ids).close();
        int modelArrays = clip.managedArrays();
        int callerArrays = ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                futures.add(pool.submit(() -> {
                    NDArray e = c.encodeImages(pixels);
                    float[] v = e.toFloatArray();
                    e.close();
                    c.encodeTexts(m, ids).close();
                    return v;
                }));
            }
            for (Future<float[]> f : futures) {
                assertArrayEquals(expected, f.get(), 1e-6f);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(modelArrays, clip.managedArrays(), "arrays left on the model's manager");
        assertEquals(callerArrays, ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size(),
                "arrays left on the caller's manager");
    }

    private static void assertFinite(NDArray x) {
        assertFalse(x.isNaN().logicalOr(x.isInfinite()).any().getBoolean(), "non-finite values");
    }
}
