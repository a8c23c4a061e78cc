package io.github.tokenreduce.djl.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.testing.RandomVit;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The ViT classifier: both namings, DeiT, registers, LayerScale, pooling, methods and bad input. */
class VitModelTest {

    private static final VitLoader.Overrides HEADS = new VitLoader.Overrides(RandomVit.HEADS, 1e-6f);

    private static NDManager m;
    private static NDArray pixels;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() {
        m = NDManager.newBaseManager();
        pixels = RandomVit.pixels(m, 3);
    }

    @AfterAll
    static void tearDown() {
        m.close();
    }

    @Test
    void timmAndHuggingFaceNamingsGiveTheSameClassifier() throws Exception {
        for (boolean distilled : new boolean[] {false, true}) {
            Map<String, NDArray> timm = RandomVit.timm(m, 1, new RandomVit.Features(distilled, 0, false, false, false));
            Path hf = Files.createDirectories(dir.resolve("hf-" + distilled));
            SafetensorsWriter.write(hf.resolve("model.safetensors"), RandomVit.huggingFace(timm),
                    SafetensorsWriter.Encoding.F32);
            Files.writeString(hf.resolve("config.json"), RandomVit.hfConfig());
            try (VitModel fromHf = VitModel.load(hf, Device.cpu())) {
                VitModel fromTimm = VitModel.of(timm, m, HEADS);
                assertEquals(RandomVit.HEADS, fromHf.config().heads());
                assertEquals(distilled, fromHf.config().distilled());
                assertEquals("dog", fromHf.labels().get(1));
                VitModel.Classification a = fromTimm.classify(pixels);
                VitModel.Classification b = fromHf.classify(pixels);
                assertEquals(new Shape(3, RandomVit.CLASSES), a.logits().getShape());
                assertEquals(new Shape(3, RandomVit.WIDTH), a.features().getShape());
                assertTrue(Shared.maxDiff(a.logits(), b.logits()) < 1e-5);
                assertTrue(Shared.maxDiff(a.features(), b.features()) < 1e-5);
            }
        }
    }

    @Test
    void layerScaleRegistersAndPatchOnlyPositionsAreUsed() {
        Map<String, NDArray> base = RandomVit.timm(m, 2, new RandomVit.Features(false, 4, true, false, true));
        VitModel vit = VitModel.of(base, m, HEADS);
        assertEquals(5, vit.config().prefixTokens());
        assertEquals(21, vit.config().tokens());
        NDArray logits = vit.logits(pixels);
        // zeroing LayerScale leaves only the embeddings: the output must change
        Map<String, NDArray> noScale = new LinkedHashMap<>(base);
        noScale.replaceAll((k, v) -> k.contains(".ls") ? v.zerosLike() : v);
        assertTrue(Shared.maxDiff(logits, VitModel.of(noScale, m, HEADS).logits(pixels)) > 1e-3);
        Map<String, NDArray> otherRegisters = new LinkedHashMap<>(base);
        otherRegisters.put("reg_token", base.get("reg_token").neg());
        assertTrue(Shared.maxDiff(logits, VitModel.of(otherRegisters, m, HEADS).logits(pixels)) > 1e-3);
    }

    @Test
    void averagePoolingIsSizeWeightedAndExactUnderMerging() {
        Map<String, NDArray> w = new LinkedHashMap<>(RandomVit.timm(m, 3,
                new RandomVit.Features(false, 0, false, true, false)));
        // blocks that add nothing to the residual (attention and MLP outputs zeroed) leave every token as it
        // entered; ToMe's size-weighted merges keep Σ size·x, so the size-weighted mean of what is left is
        // the mean of the 16 patches: the reduced model's features equal the unreduced ones. An unweighted
        // mean of the 11 tokens left would not.
        w.replaceAll((k, v) -> k.contains("attn.proj.") || k.contains("mlp.fc2.") ? v.zerosLike() : v);
        VitModel vit = VitModel.of(w, m, HEADS);
        assertEquals(VitConfig.Pooling.AVG, vit.config().pooling());
        VitModel.Classification plain = vit.classify(pixels);
        VitModel.Classification none = vit.withReduction(Site.VISION_BLOCKS,
                TowerReduction.of(ToMeReducer.builder().r(0).build())).classify(pixels);
        assertTrue(Shared.maxDiff(plain.features(), none.features()) < 1e-6);
        VitModel.Classification merged = vit.withReduction(Site.VISION_BLOCKS,
                TowerReduction.of(ToMeReducer.builder().r(3).build())).classify(pixels);
        assertArrayEquals(new int[] {14, 11}, merged.tokensPerLayer());
        assertTrue(Shared.maxDiff(plain.features(), merged.features()) < 1e-5,
                "size-weighted mean after merging: " + Shared.maxDiff(plain.features(), merged.features()));
        assertTrue(Shared.maxDiff(plain.logits(), merged.logits()) < 1e-5);
    }

    @Test
    void distillationAndRegisterTokensAreProtected() {
        Map<String, NDArray> w = RandomVit.timm(m, 4, new RandomVit.Features(true, 2, false, false, false));
        VitModel vit = VitModel.of(w, m, HEADS);
        // 4 prefix + 16 patches; r is capped at (N - 4) // 2 each block
        VitModel.Classification c = vit.withReduction(Site.VISION_BLOCKS,
                TowerReduction.of(ToMeReducer.builder().r(100).build())).classify(pixels);
        assertArrayEquals(new int[] {12, 8}, c.tokensPerLayer());
    }

    @Test
    void everyMethodThatNeedsNoTextIsAttachable() {
        VitModel vit = VitModel.of(RandomVit.timm(m, 5, RandomVit.Features.PLAIN), m, HEADS);
        int[] crossget = vit.withReduction(Site.VISION_BLOCKS,
                TowerReduction.of(CrossGetReducer.builder().r(4).build())).classify(pixels).tokensPerLayer();
        assertArrayEquals(new int[] {14, 10}, crossget); // 17 + the cross token, minus 4 per block
        VitModel.Classification madtp = vit.withReduction(Site.VISION_BLOCKS,
                TowerReduction.of(MadtpReducer.builder().build())).classify(pixels);
        assertTrue(madtp.tokensPerLayer()[1] < 17);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vit.withReduction(
                Site.VISION_BLOCKS, TowerReduction.of(PumerReducer.builder().build())));
        assertTrue(e.getMessage().contains("text-to-image attention"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> vit.withReduction(Site.TEXT_BLOCKS,
                TowerReduction.of(ToMeReducer.builder().r(1).build())));
    }

    @Test
    void unsupportedFeaturesAndBadInputAreNamed() {
        Map<String, NDArray> w = new LinkedHashMap<>(RandomVit.timm(m, 6, RandomVit.Features.PLAIN));
        w.put("blocks.1.attn.q_norm.weight", m.ones(new Shape(24)));
        WeightMismatchException e = assertThrows(WeightMismatchException.class, () -> VitModel.of(w, m, HEADS));
        assertTrue(e.getMessage().contains("blocks.1.attn.q_norm.weight: qk-norm"), e.getMessage());
        Map<String, NDArray> broken = new LinkedHashMap<>(RandomVit.timm(m, 6, RandomVit.Features.PLAIN));
        broken.remove("blocks.0.mlp.fc2.bias");
        broken.put("blocks.1.attn.proj.weight", m.ones(new Shape(3, 3)));
        WeightMismatchException e2 = assertThrows(WeightMismatchException.class, () -> VitModel.of(broken, m, HEADS));
        assertTrue(e2.getMessage().contains("missing blocks.0.mlp.fc2.bias"), e2.getMessage());
        assertTrue(e2.getMessage().contains("misshaped blocks.1.attn.proj.weight"), e2.getMessage());
        VitModel vit = VitModel.of(RandomVit.timm(m, 7, RandomVit.Features.PLAIN), m, HEADS);
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> vit.classify(m.ones(new Shape(1, 3, 32, 32))));
        assertTrue(p.getMessage().contains("[B, 3, 64, 64]"), p.getMessage());
    }
}
