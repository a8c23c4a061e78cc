package io.github.tokenreduce.djl.vilt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.text.TextBatch;
import io.github.tokenreduce.djl.weights.Safetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ViLT: the original naming, preprocessing, methods at its site, and bad input (on the fixture's tiny weights). */
class ViltModelTest {

    private static NDManager m;
    private static Map<String, NDArray> hf;
    private static ViltBatch batch;

    @BeforeAll
    static void setUp() throws Exception {
        m = NDManager.newBaseManager();
        Path dir = Shared.dir().resolve("fixtures/vilt/tiny-p32-96x128");
        hf = Safetensors.load(dir.resolve("hf/model.safetensors"), m, Device.cpu());
        Map<String, NDArray> in = Safetensors.load(dir.resolve("inputs.safetensors"), m, Device.cpu());
        batch = new ViltBatch(new TextBatch(Shared.rows(in.get("input_ids")), Shared.rows(in.get("attention_mask")),
                Shared.rows(in.get("token_type_ids"))), in.get("pixel_values"), in.get("pixel_mask"));
    }

    @AfterAll
    static void tearDown() {
        m.close();
    }

    @Test
    void originalDandelinAndPumerNamingLoadsTheSameModel() {
        ViltModel fromHf = ViltModel.of(hf, m);
        NDArray want = fromHf.vqaLogits(batch);
        for (String prefix : new String[] {"vilt.", ""}) {
            ViltModel original = ViltModel.of(toOriginal(hf, prefix), m);
            assertTrue(Shared.maxDiff(want, original.vqaLogits(batch)) < 1e-5, "prefix '" + prefix + "'");
            assertTrue(Shared.maxDiff(fromHf.rankScores(batch), original.rankScores(batch)) < 1e-5);
        }
    }

    @Test
    void pumerWithTheDefaultsAndToMeRunAtTheSingleStreamSite() {
        ViltModel vilt = ViltModel.of(hf, m);
        ViltModel.Output plain = vilt.encode(batch);
        assertArrayEquals(new int[] {24, 24}, plain.tokensPerLayer());
        ViltModel.Output pumer = vilt.withReduction(Site.FUSION, TowerReduction.of(
                PumerReducer.builder().layers(0, 1).build())).encode(batch);
        // text 11 -> 9 -> 7; image 13 -> keep 12, merge 4 -> 8; then 8 -> keep 7, merge 2 -> 5
        assertArrayEquals(new int[] {17, 12}, pumer.tokensPerLayer());
        ViltModel.Output tome = vilt.withReduction(Site.FUSION, TowerReduction.of(ToMeReducer.builder().r(4).build()))
                .encode(batch);
        assertArrayEquals(new int[] {20, 16}, tome.tokensPerLayer());
        assertEquals(new Shape(3, 64), tome.pooler().getShape());
    }

    @Test
    void imageProcessorResizesNormalisesAndPads() {
        ViltImageProcessor p = new ViltImageProcessor();
        assertArrayEquals(new int[] {384, 576}, p.outputSize(480, 720));
        assertArrayEquals(new int[] {608, 384}, p.outputSize(1000, 620)); // longer side capped at 639, floored to /32
        BufferedImage a = solid(720, 480, Color.WHITE);
        BufferedImage b = solid(400, 400, Color.BLACK);
        ViltImageProcessor.Padded out = p.batch(m, List.of(a, b));
        assertEquals(new Shape(2, 3, 384, 576), out.pixels().getShape());
        assertEquals(384 * 576, out.pixelMask().get(0).sum().getFloat(), 0);
        assertEquals(384 * 384, out.pixelMask().get(1).sum().getFloat(), 0);
        assertEquals(1f, out.pixels().getFloat(0, 0, 10, 10), 1e-5f);   // white -> (1 - 0.5) / 0.5
        assertEquals(-1f, out.pixels().getFloat(1, 2, 10, 10), 1e-5f);  // black -> -1
        assertEquals(0f, out.pixels().getFloat(1, 0, 10, 500), 0f);     // padding
        assertEquals(0f, out.pixelMask().getFloat(1, 10, 500), 0f);
    }

    @Test
    void badInputIsNamed() {
        ViltModel vilt = ViltModel.of(hf, m);
        NDArray px = batch.pixels();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ViltBatch(batch.text(), px,
                m.ones(new Shape(3, 10, 10)))).getMessage().contains("pixelMask"));
        long[][] ids = {{101, 5000, 102}};
        assertTrue(assertThrows(IllegalArgumentException.class, () -> vilt.encode(new ViltBatch(
                new TextBatch(ids, new long[][] {{1, 1, 1}}), px.get("0:1"), null))).getMessage()
                .contains("outside the vocabulary"));
        long[][] longIds = new long[1][41];
        long[][] longMask = new long[1][41];
        longMask[0][0] = 1;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> vilt.encode(new ViltBatch(
                new TextBatch(longIds, longMask), px.get("0:1"), null))).getMessage().contains("40 text position"));
        Map<String, NDArray> noHead = new LinkedHashMap<>(hf);
        noHead.keySet().removeIf(k -> k.startsWith("classifier."));
        assertTrue(assertThrows(IllegalStateException.class, () -> ViltModel.of(noHead, m).vqaLogits(batch))
                .getMessage().contains("no VQA head"));
    }

    private static BufferedImage solid(int w, int h, Color c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    /** The README's HF → dandelin/PuMer renaming (q, k, v fused into qkv). */
    private static Map<String, NDArray> toOriginal(Map<String, NDArray> w, String prefix) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : w.entrySet()) {
            String k = e.getKey();
            String n = k.replace("vilt.embeddings.text_embeddings.", prefix + "text_embeddings.")
                    .replace("vilt.embeddings.token_type_embeddings", prefix + "token_type_embeddings")
                    .replace("vilt.embeddings.cls_token", prefix + "transformer.cls_token")
                    .replace("vilt.embeddings.position_embeddings", prefix + "transformer.pos_embed")
                    .replace("vilt.embeddings.patch_embeddings.projection", prefix + "transformer.patch_embed.proj")
                    .replace("vilt.layernorm", prefix + "transformer.norm")
                    .replace("vilt.pooler", prefix + "pooler")
                    .replace("classifier.", "vqa_classifier.");
            if (k.contains(".attention.attention.")) {
                continue;
            }
            if (k.startsWith("vilt.encoder.layer.")) {
                String[] parts = k.split("\\.");
                String blk = prefix + "transformer.blocks." + parts[3] + ".";
                String rest = k.substring(("vilt.encoder.layer." + parts[3] + ".").length());
                n = blk + rest.replace("layernorm_before", "norm1").replace("layernorm_after", "norm2")
                        .replace("attention.output.dense", "attn.proj").replace("intermediate.dense", "mlp.fc1")
                        .replace("output.dense", "mlp.fc2");
            }
            out.put(n, e.getValue());
        }
        for (int l = 0; w.containsKey("vilt.encoder.layer." + l + ".attention.attention.query.weight"); l++) {
            String a = "vilt.encoder.layer." + l + ".attention.attention.";
            String blk = prefix + "transformer.blocks." + l + ".";
            for (String t : new String[] {"weight", "bias"}) {
                out.put(blk + "attn.qkv." + t, ai.djl.ndarray.NDArrays.concat(new NDList(w.get(a + "query." + t),
                        w.get(a + "key." + t), w.get(a + "value." + t)), 0));
            }
        }
        out.put("itm_score.fc.weight", m.ones(new Shape(2, 64))); // a pre-training head, ignored
        return out;
    }
}
