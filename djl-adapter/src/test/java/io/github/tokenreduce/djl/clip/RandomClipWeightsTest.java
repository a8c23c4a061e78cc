package io.github.tokenreduce.djl.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.nn.Activation;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The random CLIP generator: the geometry our loader reads back, each way of drawing values, seeded draws. */
class RandomClipWeightsTest {

    private static final RandomClipWeights.Geometry SMALL =
            new RandomClipWeights.Geometry(64, 2, 32, 96, 48, 1, 12, 50, 16, 4);

    @Test
    void loadsWithItsGeometry() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (RandomClipWeights.Values v : RandomClipWeights.Values.values()) {
                ClipConfig c = ClipModel.of(RandomClipWeights.generate(m, SMALL, v), m, Activation.QUICK_GELU).config();
                assertEquals(java.util.List.of(64, 2, 32, 96, 48, 1, 12, 50, 16, 256, 192),
                        java.util.List.of(c.visionWidth(), c.visionLayers(), c.patch(), c.imageSize(), c.textWidth(),
                                c.textLayers(), c.context(), c.vocab(), c.embed(), c.visionMlp(), c.textMlp()), v.name());
                assertEquals(10, SMALL.tokens());
            }
        }
    }

    @Test
    void trainedScaleHasUnitNormsZeroBiasesAndSmallWeights() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = RandomClipWeights.generate(m, SMALL, RandomClipWeights.Values.TRAINED_SCALE);
            assertTrue(w.get("visual.ln_pre.weight").eq(1f).all().getBoolean(), "unit norm");
            assertTrue(w.get("transformer.resblocks.0.attn.in_proj_bias").eq(0f).all().getBoolean(), "zero bias");
            float std = w.get("visual.transformer.resblocks.1.mlp.c_fc.weight").pow(2).mean().sqrt().getFloat();
            assertEquals(0.02, std, 0.002, "weights N(0, 0.02²)");
            Map<String, NDArray> all = RandomClipWeights.generate(m, SMALL, RandomClipWeights.Values.ALL_RANDOM);
            assertFalse(all.get("visual.ln_pre.weight").eq(1f).all().getBoolean(), "all random: norms drawn too");
        }
    }

    @Test
    void aSeedGivesTheSameWeights() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(5);
            Map<String, NDArray> a = RandomClipWeights.generate(m, SMALL, RandomClipWeights.Values.ALL_RANDOM);
            m.getEngine().setRandomSeed(5);
            Map<String, NDArray> b = RandomClipWeights.generate(m, SMALL, RandomClipWeights.Values.ALL_RANDOM);
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
            }
        }
    }
}
