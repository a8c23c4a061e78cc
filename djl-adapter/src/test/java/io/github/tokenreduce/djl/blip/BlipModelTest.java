package io.github.tokenreduce.djl.blip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.site.GuideProvider;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.testing.RandomBlip;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;
import io.github.tokenreduce.djl.weights.SafetensorsWriter.Encoding;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import io.github.tokenreduce.djl.text.TextBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class BlipModelTest {

    private static NDManager m;
    private static Path dir;
    private static BlipModel blip;
    private static NDArray pixels;
    private static TextBatch texts;

    @BeforeAll
    static void setUp() throws Exception {
        m = NDManager.newBaseManager();
        dir = Files.createTempDirectory("blip");
        Path hf = dir.resolve("hf");
        Files.createDirectories(hf);
        SafetensorsWriter.write(hf.resolve("model.safetensors"), RandomBlip.weights(m, 21), Encoding.F32);
        Files.writeString(hf.resolve("config.json"), RandomBlip.config());
        blip = BlipModel.load(hf, Device.cpu());
        pixels = m.randomNormal(new Shape(3, 3, RandomBlip.IMAGE, RandomBlip.IMAGE));
        texts = RandomBlip.texts(4, 3, 12);
    }

    @AfterAll
    static void tearDown() {
        blip.close();
        m.close();
    }

    @Test
    void equivalentWeightFilesGiveEqualOutputsAndInvariantsHold() throws Exception {
        Map<String, NDArray> w = RandomBlip.weights(m, 21);
        List<String> names = new ArrayList<>(w.keySet());
        Collections.reverse(names);
        Map<String, NDArray> reversed = new LinkedHashMap<>();
        names.forEach(n -> reversed.put(n, w.get(n)));
        Path f = dir.resolve("reversed.safetensors");
        SafetensorsWriter.write(f, reversed, Encoding.F32);
        try (BlipModel inferred = BlipModel.load(f, Device.cpu())) { // no config.json: heads = width / 64
            assertEquals(1, inferred.config().visionHeads());
            assertEquals(RandomBlip.IMAGE, inferred.config().imageSize());
            assertEquals(RandomBlip.TEXT_LAYERS, inferred.config().textLayers());
        }
        Path reversedDir = dir.resolve("reversed");
        Files.createDirectories(reversedDir);
        Files.move(f, reversedDir.resolve("model.safetensors"));
        Files.writeString(reversedDir.resolve("config.json"), RandomBlip.config());
        try (BlipModel other = BlipModel.load(reversedDir, Device.cpu())) {
            assertEquals(blip.config(), other.config());
            NDArray itm = blip.itmScores(pixels, texts);
            NDArray itc = blip.itcSimilarity(pixels, texts);
            assertTrue(Shared.maxDiff(itm, other.itmScores(pixels, texts)) < 1e-5);
            assertTrue(Shared.maxDiff(itc, other.itcSimilarity(pixels, texts)) < 1e-5);
            assertTrue(itm.gte(0f).all().getBoolean() && itm.lte(1f).all().getBoolean(), "probabilities");
            assertTrue(itc.abs().lte(1.00001f).all().getBoolean(), "cosines");
            assertEquals(new Shape(3, 3), itc.getShape());
            // permuting the pairs permutes the scores; ITC rows follow the images, columns the texts
            NDArray perm = m.create(new long[] {1, 2, 0});
            TextBatch permuted = new TextBatch(new long[][] {texts.ids()[1], texts.ids()[2], texts.ids()[0]},
                    new long[][] {texts.mask()[1], texts.mask()[2], texts.mask()[0]});
            assertTrue(Shared.maxDiff(itm.get(perm), blip.itmScores(pixels.get(perm), permuted)) < 1e-5);
            assertTrue(Shared.maxDiff(itc.get(perm), blip.itcSimilarity(pixels.get(perm), texts)) < 1e-5);
            assertTrue(Shared.maxDiff(itm.get("0"), itm.get("1")) > 1e-4, "distinct pairs score differently");
        }
    }

    @Test
    void raggedBatchesKeepCorrectMasksWithAndWithoutMadtp() {
        TextBatch one = RandomBlip.texts(9, 1, 8);
        long[][] ids = {java.util.Arrays.copyOf(one.ids()[0], 20)};
        long[][] mask = {java.util.Arrays.copyOf(one.mask()[0], 20)};
        TextBatch padded = new TextBatch(ids, mask);
        NDArray px = pixels.get("0:1");
        BlipModel madtp = blip.withReduction(Site.TEXT_BLOCKS,
                TowerReduction.of(MadtpReducer.builder().temperature(0.5f).build()));
        for (BlipModel model : List.of(blip, madtp)) {
            NDArray a = model.itmScores(px, one);
            NDArray b = model.itmScores(px, padded);
            assertTrue(Shared.maxDiff(a, b) < 1e-5, "padding changed the ITM score by " + Shared.maxDiff(a, b));
            assertTrue(Shared.maxDiff(model.itcSimilarity(px, one), model.itcSimilarity(px, padded)) < 1e-5);
        }
        assertTrue(madtp.match(px, padded).textTokens()[0] <= 8, "MADTP drops padding from the fusion encoder");
    }

    @Test
    void everyMethodAtEverySiteFollowsItsPlan() {
        BlipModel tome = blip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(4).build()))
                .withReduction(Site.TEXT_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(2).build()));
        BlipModel.Matching t = tome.match(pixels, texts);
        assertArrayEquals(new int[] {33, 29}, t.visionTokens());
        assertArrayEquals(new int[] {10, 8, 6}, t.textTokens());
        assertArrayEquals(new int[] {29, 29, 29}, t.imageTokensInFusion());
        assertFinite(t.scores());

        BlipModel cg = blip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(4).build()))
                .withReduction(Site.TEXT_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(2).build()));
        BlipModel.Matching c = cg.match(pixels, texts);
        assertArrayEquals(new int[] {34, 30}, c.visionTokens(), "37 + cross token");
        assertArrayEquals(new int[] {29, 29, 29}, c.imageTokensInFusion(), "the cross token is dropped");
        assertArrayEquals(new int[] {11, 9, 7}, c.textTokens(), "12 + cross token");
        assertFinite(c.scores());
        assertFinite(cg.itcSimilarity(pixels, texts));

        PumerReducer pumer = PumerReducer.builder().layers(0, 1).build();
        BlipModel.Matching p = blip.withReduction(Site.FUSION, TowerReduction.of(pumer)).match(pixels, texts);
        int li = RandomBlip.TOKENS;
        int lt = 12;
        int[] image = new int[3];
        int[] text = new int[3];
        for (int layer = 0; layer < 3; layer++) {
            if (layer < 2) {
                int keep = Math.max(li - (int) Math.rint(0.1 * li), 1);
                li = keep - Math.min((int) Math.rint(0.3 * li), (keep - 1) / 2);
                lt -= (int) Math.rint(0.2 * lt);
            }
            image[layer] = li;
            text[layer] = lt;
        }
        assertArrayEquals(image, p.imageTokensInFusion());
        assertArrayEquals(text, p.textTokens());
        assertFinite(p.scores());

        BlipModel.Matching d = blip.withReduction(Site.VISION_BLOCKS,
                TowerReduction.of(MadtpReducer.builder().temperature(0.5f).build())).match(pixels, texts);
        assertTrue(d.visionTokens()[0] < RandomBlip.TOKENS && d.visionTokens()[1] <= d.visionTokens()[0]);
        assertFinite(d.scores());
    }

    @Test
    void crossModalGuidanceReachesTheSelection() {
        CrossGetReducer cg = CrossGetReducer.builder().r(8).build();
        NDArray crossModal = blip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(cg)).itmScores(pixels, texts);
        NDArray own = blip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(cg).withGuide(GuideProvider.ownToken()))
                .itmScores(pixels, texts);
        assertTrue(Shared.maxDiff(crossModal, own) > 1e-6, "the text-side guide changes which image tokens merge");
    }

    @Test
    void misplacedMethodsAndBadParametersAreRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> blip.withReduction(Site.FUSION,
                TowerReduction.of(ToMeReducer.builder().r(2).build()))).getMessage().contains("FUSION site"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> blip.withReduction(Site.VISION_BLOCKS,
                TowerReduction.of(PumerReducer.builder().build()))).getMessage().contains("FUSION site"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> blip.withReduction(Site.TEXT_BLOCKS,
                TowerReduction.of(MadtpReducer.builder().dictionary(m.ones(new Shape(5, 3))).build())))
                .getMessage().contains("[M, 64]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> blip.itmScores(pixels,
                RandomBlip.texts(1, 2, 12))).getMessage().contains("equal batches"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> blip.itmScores(
                m.ones(new Shape(1, 3, 32, 32)), texts)).getMessage().contains("[B, 3, 96, 96]"));
    }

    @Test
    void badWeightsListEveryProblem() throws Exception {
        Map<String, NDArray> w = new LinkedHashMap<>(RandomBlip.weights(m, 22));
        w.remove("text_encoder.encoder.layer.2.crossattention.output.dense.bias");
        w.put("itm_head.weight", m.ones(new Shape(3, 64)));
        w.put("stray", m.ones(new Shape(1)));
        Path f = dir.resolve("bad.safetensors");
        SafetensorsWriter.write(f, w, Encoding.F32);
        WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> BlipModel.load(f, Device.cpu()));
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("missing text_encoder.encoder.layer.2.crossattention.output.dense.bias"));
        assertTrue(e.getMessage().contains("misshaped itm_head.weight: expected (2, 64), found (3, 64)"));
        assertTrue(e.getMessage().contains("unexpected stray (1)"));
    }

    @Test
    void bfloat16WeightsLoadAndConcurrentCallsAgree() throws Exception {
        Path f = dir.resolve("bf16.safetensors");
        SafetensorsWriter.write(f, RandomBlip.weights(m, 21), Encoding.BF16);
        try (BlipModel half = BlipModel.load(f, Device.cpu())) {
            assertTrue(Shared.maxDiff(blip.itmScores(pixels, texts), half.itmScores(pixels, texts)) < 5e-2);
        }
        BlipModel tome = blip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(4).build()));
        float[] expected = tome.itmScores(pixels, texts).toFloatArray();
        int before = blip.managedArrays();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<float[]>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                fs.add(pool.submit(() -> {
                    NDArray s = tome.itmScores(pixels, texts);
                    float[] v = s.toFloatArray();
                    s.close();
                    return v;
                }));
            }
            for (var fut : fs) {
                assertArrayEquals(expected, fut.get(), 1e-6f);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(before, blip.managedArrays(), "arrays left on the model's manager");
    }

    private static void assertFinite(NDArray x) {
        assertFalse(x.isNaN().logicalOr(x.isInfinite()).any().getBoolean(), "non-finite values");
    }
}
