package io.github.tokenreduce.djl.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.djl.blip.BlipModel;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.site.ReductionCheckpoint;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.testing.RandomBlip;
import io.github.tokenreduce.djl.testing.RandomClip;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.testing.TorchWriter;
import io.github.tokenreduce.djl.text.TextBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoints as users hold them, loaded with no conversion step: the CrossGET authors' CLIP
 * training checkpoint ({@code {"model", "optimizer", "config", "epoch"}}, offsets
 * {@code visual.transformer.cross_image} / {@code transformer.cross_text}), the MADTP authors' BLIP
 * checkpoint ({@code {"model", "epoch", "temperature"}} with {@code space_dict}, original BLIP names
 * and momentum encoders), BLIP in LAVIS naming, an OpenCLIP hub folder, sharded safetensors, and
 * the format chosen by content.
 */
class ReleasedCheckpointsTest {

    private static NDManager m;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() {
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        m.close();
    }

    @Test
    void crossGetClipTrainingCheckpointLoadsWithItsOffsets() throws Exception {
        Map<String, NDArray> sd = new LinkedHashMap<>(RandomClip.openAi(m, 3));
        NDArray crossImage = m.randomNormal(new Shape(1, RandomClip.LAYERS, RandomClip.WIDTH)).mul(0.5f);
        NDArray crossText = m.randomNormal(new Shape(1, RandomClip.LAYERS, RandomClip.WIDTH)).mul(0.5f);
        sd.put("visual.transformer.cross_image", crossImage);
        sd.put("transformer.cross_text", crossText);
        Map<String, Object> optimizer = Map.of(
                "state", Map.of(0L, Map.of("step", 12L, "exp_avg", m.ones(new Shape(3)))),
                "param_groups", List.of(Map.of("lr", 1e-5, "betas", TorchWriter.Tuple.of(0.9, 0.98),
                        "weight_decay", 0.2, "params", List.of(0L, 1L))));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", sd);
        root.put("optimizer", optimizer);
        root.put("config", Map.of("image_size", 224L, "reduce", "ours", "r", Map.of("rv", 16L, "rl", 6L)));
        root.put("epoch", 4L);
        Path pth = dir.resolve("checkpoint_best.pth");
        TorchWriter.write(pth, root, "checkpoint_best");

        try (ClipModel clip = ClipModel.load(pth, Device.cpu())) {
            assertTrue(Shared.maxDiff(crossImage.squeeze(0), clip.crossOffsets(Site.VISION_BLOCKS).orElseThrow()) == 0);
            ClipModel fast = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(4).build()));
            NDArray px = m.randomNormal(new Shape(2, 3, 224, 224));
            // the same model built from the in-memory state dict with the offsets passed by hand
            ClipModel byHand = ClipModel.of(RandomClip.openAi(m, 3), m, Activation.QUICK_GELU)
                    .withReduction(Site.VISION_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(4)
                            .crossTokenOffsets(crossImage.squeeze(0)).build()));
            assertTrue(Shared.maxDiff(byHand.imageFeatures(px), fast.imageFeatures(px)) < 1e-5);
        }
        ReductionCheckpoint rc = ReductionCheckpoint.load(pth, m);
        assertEquals(new Shape(RandomClip.LAYERS, RandomClip.WIDTH), rc.crossOffsets(Site.TEXT_BLOCKS).orElseThrow().getShape());
    }

    @Test
    void madtpBlipCheckpointInOriginalNamingGivesDictionaryAndTemperature() throws Exception {
        Map<String, NDArray> hf = RandomBlip.weights(m, 5);
        Map<String, Object> sd = new LinkedHashMap<>(lavis(hf));
        NDArray spaceDict = m.randomNormal(new Shape(10, RandomBlip.WIDTH));
        sd.put("space_dict", spaceDict);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("model", sd);
        root.put("epoch", 2L);
        root.put("temperature", 0.65);
        Path pth = dir.resolve("madtp_checkpoint_best.pth");
        TorchWriter.write(pth, root, "archive");

        ReductionCheckpoint rc = ReductionCheckpoint.load(pth, m);
        assertEquals(0.65f, rc.madtpTemperature().orElseThrow(), 1e-7f);
        assertTrue(Shared.maxDiff(spaceDict, rc.madtpDictionary().orElseThrow()) == 0);
        try (BlipModel blip = BlipModel.load(pth, Device.cpu())) {
            assertEquals(1e-6f, blip.config().visionEps(), 0f);
            NDArray px = m.randomNormal(new Shape(2, 3, RandomBlip.IMAGE, RandomBlip.IMAGE));
            TextBatch texts = RandomBlip.texts(1, 2, 10);
            MadtpReducer madtp = MadtpReducer.builder().temperature(rc.madtpTemperature().get()).build();
            // the checkpoint's space_dict is the default dictionary: same as passing it by hand
            NDArray withDefault = blip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(madtp)).itmScores(px, texts);
            NDArray byHand = blip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(
                    madtp.withModelValues(rc.modelValues(Site.VISION_BLOCKS)))).itmScores(px, texts);
            assertTrue(Shared.maxDiff(withDefault, byHand) == 0);
            assertTrue(Shared.maxDiff(spaceDict, madtp.withModelValues(rc.modelValues(Site.VISION_BLOCKS)).dictionary())
                    == 0, "the checkpoint's dictionary, filled in");
        }
    }

    @Test
    void lavisNamesGiveTheSameBlipAsHuggingFaceNames() {
        Map<String, NDArray> hf = RandomBlip.weights(m, 6);
        BlipModel a = BlipModel.of(hf, m);
        BlipModel b = BlipModel.of(lavis(hf), m);
        NDArray px = m.randomNormal(new Shape(2, 3, RandomBlip.IMAGE, RandomBlip.IMAGE));
        TextBatch texts = RandomBlip.texts(2, 2, 10);
        // the same parameters; only the ViT LayerNorm epsilon differs (HF 1e-5, BLIP 1e-6)
        assertTrue(Shared.maxDiff(a.itmScores(px, texts), b.itmScores(px, texts)) < 1e-4);
        assertTrue(Shared.maxDiff(a.itcSimilarity(px, texts), b.itcSimilarity(px, texts)) < 1e-4);
    }

    @Test
    void openClipHubFolderReadsItsConfig() throws Exception {
        Map<String, NDArray> w = RandomClip.openAi(m, 7);
        NDArray px = m.randomNormal(new Shape(1, 3, 224, 224));
        NDArray oneHeadGelu = ClipModel.of(w, m, Activation.GELU).imageFeatures(px); // width / 64 = 1 head
        for (int headWidth : new int[] {64, 32}) {
            Path folder = Files.createDirectories(dir.resolve("open_clip_" + headWidth));
            TorchWriter.write(folder.resolve("open_clip_pytorch_model.bin"), w, "open_clip_pytorch_model");
            Files.writeString(folder.resolve("open_clip_config.json"), "{\"model_cfg\": {\"embed_dim\": 32, "
                    + "\"vision_cfg\": {\"image_size\": 224, \"layers\": 2, \"width\": 64, \"patch_size\": 16, "
                    + "\"head_width\": " + headWidth + "}, \"text_cfg\": {\"context_length\": 77, \"vocab_size\": 500, "
                    + "\"width\": 64, \"heads\": 4, \"layers\": 2}}, \"preprocess_cfg\": {\"mean\": [0.5, 0.5, 0.5]}}");
            try (ClipModel clip = ClipModel.load(folder, Device.cpu())) {
                assertEquals(64 / headWidth, clip.config().visionHeads());
                assertEquals(4, clip.config().textHeads());
                assertEquals(Activation.GELU, clip.config().activation()); // OpenCLIP's default, not QuickGELU
                double d = Shared.maxDiff(oneHeadGelu, clip.imageFeatures(px));
                assertTrue(headWidth == 64 ? d < 1e-5 : d > 1e-4, "head_width " + headWidth + ": " + d);
            }
        }
    }

    @Test
    void shardedSafetensorsAndContentSniffing() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("sharded"));
        Map<String, NDArray> w = RandomClip.openAi(m, 8);
        Map<String, NDArray> first = new LinkedHashMap<>();
        Map<String, NDArray> second = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        int i = 0;
        for (Map.Entry<String, NDArray> e : w.entrySet()) {
            String shard = i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (i % 2 == 0 ? first : second).put(e.getKey(), e.getValue());
            index.append(i == 0 ? "" : ",").append('"').append(e.getKey()).append("\": \"").append(shard).append('"');
            i++;
        }
        index.append("}}");
        SafetensorsWriter.write(folder.resolve("model-00001-of-00002.safetensors"), first, SafetensorsWriter.Encoding.F32);
        SafetensorsWriter.write(folder.resolve("model-00002-of-00002.safetensors"), second, SafetensorsWriter.Encoding.F32);
        Files.writeString(folder.resolve("model.safetensors.index.json"), index);
        WeightFiles.Loaded loaded = WeightFiles.load(folder, m, Device.cpu());
        assertEquals(w.keySet(), loaded.tensors().keySet());

        // a .pth that is really safetensors, and a .safetensors that is really a torch zip
        Path fake = dir.resolve("really_safetensors.pth");
        Files.copy(folder.resolve("model-00001-of-00002.safetensors"), fake);
        assertEquals(first.keySet(), WeightFiles.load(fake, m, Device.cpu()).tensors().keySet());
        Path zip = dir.resolve("really_torch.safetensors");
        TorchWriter.write(zip, second, "archive");
        assertEquals(second.keySet(), WeightFiles.load(zip, m, Device.cpu()).tensors().keySet());

        Files.writeString(folder.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"x\": \"../etc/passwd\"}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightFiles.load(folder, m, Device.cpu()));
        assertTrue(e.getMessage().contains("not a plain file name"), e.getMessage());
    }

    /** Hugging Face BLIP names → the original BLIP / LAVIS names, plus what only training uses. */
    static Map<String, NDArray> lavis(Map<String, NDArray> hf) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : hf.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("vision_model.")) {
                k = k.replace("vision_model.embeddings.class_embedding", "visual_encoder.cls_token")
                        .replace("vision_model.embeddings.position_embedding", "visual_encoder.pos_embed")
                        .replace("vision_model.embeddings.patch_embedding", "visual_encoder.patch_embed.proj")
                        .replace("vision_model.post_layernorm", "visual_encoder.norm")
                        .replace("vision_model.encoder.layers.", "visual_encoder.blocks.")
                        .replace(".self_attn.projection.", ".attn.proj.")
                        .replace(".self_attn.", ".attn.")
                        .replace(".layer_norm1.", ".norm1.")
                        .replace(".layer_norm2.", ".norm2.");
            }
            out.put(k, e.getValue());
            if (k.startsWith("visual_encoder.") || k.startsWith("vision_proj")) {
                out.put(k.replaceFirst("^visual_encoder\\.", "visual_encoder_m.").replaceFirst("^vision_proj\\.",
                        "vision_proj_m."), e.getValue());
            }
        }
        out.put("image_queue", hf.get("vision_proj.weight").transpose());
        out.put("ptr_queue", hf.get("itm_head.bias").get("0:1"));
        out.put("temp", hf.get("itm_head.bias").get("0"));
        return out;
    }
}
