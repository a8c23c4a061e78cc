package io.github.tokenreduce.djl.blip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.nn.BlockNaming;
import io.github.tokenreduce.djl.nn.BertLayerWeights;
import io.github.tokenreduce.djl.nn.BertLayers;
import io.github.tokenreduce.djl.nn.BlockWeights;
import io.github.tokenreduce.djl.nn.LayerNormWeights;
import io.github.tokenreduce.djl.nn.VisionWeights;
import io.github.tokenreduce.djl.weights.ModelFiles;
import io.github.tokenreduce.djl.weights.WeightFiles;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import io.github.tokenreduce.djl.weights.WeightStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Loads Hugging Face {@code BlipForImageTextRetrieval} safetensors ({@code vision_model.*},
 * {@code text_encoder.*}, {@code vision_proj}, {@code text_proj}, {@code itm_head}), F32/F16/BF16.
 * Geometry from {@code config.json} when present, else from the shapes (heads = width / 64).
 * Every missing, misshaped or unexpected tensor is reported at once.
 */
public final class BlipLoader {

    private static final Pattern TEXT_LAYER = Pattern.compile("^text_encoder\\.encoder\\.layer\\.(\\d+)\\.");

    private BlipLoader() {}

    /** The loaded model's parts. */
    public record Loaded(BlipConfig config, BlipWeights weights) {}

    /** Loads a model directory ({@code model.safetensors}, optional {@code config.json}) or file. */
    public static Loaded load(Path path, NDManager manager, Device device) throws IOException {
        WeightFiles.Loaded w = WeightFiles.load(path, manager, device);
        return fromTensors(w.source().toString(), w.tensors(), ModelFiles.config(path));
    }

    /**
     * Builds BLIP from tensors in memory, in Hugging Face or original BLIP / LAVIS naming
     * ({@link BlipNaming}; the original ViT's LayerNorm epsilon 1e-6 then applies unless
     * {@code config} says otherwise). MADTP's learned {@code space_dict}, when present, becomes the
     * model's default dictionary.
     */
    public static Loaded fromTensors(String source, Map<String, NDArray> tensors, JsonObject config) {
        boolean original = BlipNaming.isOriginal(tensors);
        WeightStore s = new WeightStore(source, original ? BlipNaming.toHuggingFace(tensors) : tensors);
        if (!s.has("vision_model.embeddings.class_embedding") && !s.has("text_encoder.embeddings.word_embeddings.weight")) {
            List<String> some = new ArrayList<>(s.names()).subList(0, Math.min(5, s.names().size()));
            throw new WeightMismatchException(source, List.of("not a BLIP retrieval checkpoint: neither "
                    + "vision_model.embeddings.class_embedding nor text_encoder.embeddings.word_embeddings.weight "
                    + "is present; first names: " + some));
        }
        JsonObject vc = config == null ? null : config.getAsJsonObject("vision_config");
        JsonObject tc = config == null ? null : config.getAsJsonObject("text_config");
        int vw = s.dim("vision_model.embeddings.class_embedding", 2);
        int patch = s.dim("vision_model.embeddings.patch_embedding.weight", 2);
        int vTokens = s.dim("vision_model.embeddings.position_embedding", 1);
        String blocks = original ? BlipNaming.BLOCKS : "vision_model.encoder.layers.";
        BlockNaming naming = original ? BlockNaming.LAVIS : BlockNaming.HF_BLIP;
        int vLayers = s.layerCount(Pattern.compile("^" + Pattern.quote(blocks) + "(\\d+)\\."));
        int vMlp = s.dim(naming.fc1Weight(blocks), 0);
        int tw = s.dim("text_encoder.embeddings.word_embeddings.weight", 1);
        int vocab = s.dim("text_encoder.embeddings.word_embeddings.weight", 0);
        int maxPos = s.dim("text_encoder.embeddings.position_embeddings.weight", 0);
        int tLayers = s.layerCount(TEXT_LAYER);
        int inter = s.dim("text_encoder.encoder.layer.0.intermediate.dense.weight", 0);
        int embed = s.dim("vision_proj.weight", 0);
        BlipConfig c = new BlipConfig(vw, vLayers, heads(vc, vw), vMlp, patch,
                (int) Math.round(Math.sqrt(Math.max(vTokens - 1, 0))) * patch, eps(vc, original ? 1e-6f : 1e-5f), tw, tLayers,
                heads(tc, tw), inter, vocab, maxPos, eps(tc, 1e-12f), embed);
        if (vw <= 0 || tw <= 0 || patch <= 0 || embed <= 0 || vLayers == 0 || tLayers == 0
                || vw % c.visionHeads() != 0 || tw % c.textHeads() != 0) {
            throw new WeightMismatchException(source, List.of("cannot infer a consistent geometry from these "
                    + "tensors: " + c));
        }
        s.ignore("text_encoder.embeddings.position_ids");
        s.ignore("vision_model.embeddings.position_ids");
        String v = "vision_model.";
        NDArray conv = s.take(v + "embeddings.patch_embedding.weight", vw, 3, patch, patch);
        NDArray cls = s.take(v + "embeddings.class_embedding", 1, 1, vw);
        NDArray pos = s.take(v + "embeddings.position_embedding", 1, c.visionTokens(), vw);
        List<BlockWeights> vision = naming.read(s, blocks, vLayers, vw, vMlp, c.visionHeads(), c.visionEps());
        String te = "text_encoder.";
        List<BertLayerWeights> text = new ArrayList<>();
        for (int i = 0; i < tLayers; i++) {
            text.add(BertLayers.huggingFace(s, te + "encoder.layer." + i + ".", tw, vw, inter, c.textHeads(), c.textEps()));
        }
        VisionWeights visionWeights = new VisionWeights(conv == null ? null : conv.reshape(vw, -1).transpose(),
                s.take(v + "embeddings.patch_embedding.bias", vw), patch, c.imageSize(),
                cls == null ? null : cls.reshape(vw), null,
                pos == null ? null : pos.reshape(c.visionTokens(), vw), null,
                vision, LayerNormWeights.take(s, v + "post_layernorm", vw, c.visionEps()));
        NDArray spaceDict = s.has("space_dict") && s.dim("space_dict", 1) == vw && vw == tw
                ? s.take("space_dict", s.dim("space_dict", 0), vw) : null;
        BlipWeights w = new BlipWeights(visionWeights,
                s.take(te + "embeddings.word_embeddings.weight", vocab, tw),
                s.take(te + "embeddings.position_embeddings.weight", maxPos, tw),
                LayerNormWeights.take(s, te + "embeddings.LayerNorm", tw, c.textEps()), text,
                s.takeTransposed("vision_proj.weight", embed, vw), s.take("vision_proj.bias", embed),
                s.takeTransposed("text_proj.weight", embed, tw), s.take("text_proj.bias", embed),
                s.takeTransposed("itm_head.weight", 2, tw), s.take("itm_head.bias", 2), spaceDict);
        s.finish();
        return new Loaded(c, w);
    }


    private static int heads(JsonObject cfg, int width) {
        return cfg != null && cfg.has("num_attention_heads") ? cfg.get("num_attention_heads").getAsInt()
                : Math.max(width / 64, 1);
    }

    private static float eps(JsonObject cfg, float dflt) {
        return cfg != null && cfg.has("layer_norm_eps") ? cfg.get("layer_norm_eps").getAsFloat() : dflt;
    }

}
