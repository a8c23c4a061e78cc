package io.github.tokenreduce.djl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.BlockNaming;
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
 * Loads CLIP weights from safetensors in either naming: Hugging Face {@code CLIPModel}
 * ({@code vision_model.encoder.layers.N.self_attn.q_proj.weight}, with {@code config.json}) or
 * OpenAI/OpenCLIP ({@code visual.transformer.resblocks.N.attn.in_proj_weight}). Geometry comes
 * from {@code config.json} when present, else from the tensor shapes (heads = width / 64, the
 * CLIP convention; the activation is QuickGELU for OpenAI naming unless given). The CrossGET
 * authors' checkpoints load as they are: their learned cross-token offsets
 * ({@code visual.transformer.cross_image}, {@code transformer.cross_text}) become the model's
 * defaults for a method that uses a cross token. Every missing,
 * misshaped or unexpected tensor is reported at once.
 */
public final class ClipLoader {

    private static final Pattern HF_VISION = Pattern.compile("^vision_model\\.encoder\\.layers\\.(\\d+)\\.");
    private static final Pattern HF_TEXT = Pattern.compile("^text_model\\.encoder\\.layers\\.(\\d+)\\.");
    private static final Pattern OA_VISION = Pattern.compile("^visual\\.transformer\\.resblocks\\.(\\d+)\\.");
    private static final Pattern OA_TEXT = Pattern.compile("^transformer\\.resblocks\\.(\\d+)\\.");

    private final NDManager manager;
    private final Device device;
    private Activation activation;

    private ClipLoader(NDManager manager, Device device) {
        this.manager = manager;
        this.device = device;
    }

    /** The loaded model's parts. */
    public record Loaded(ClipConfig config, ClipWeights weights) {}

    /**
     * Loads a model directory or weights file ({@link WeightFiles}: safetensors, sharded, or a
     * PyTorch checkpoint): a Hugging Face folder with {@code config.json}, an OpenCLIP hub folder with
     * {@code open_clip_config.json}, or OpenAI-named weights alone.
     *
     * @param activation overrides the activation (null: from the config, else QuickGELU)
     */
    public static Loaded load(Path path, NDManager manager, Device device, Activation activation)
            throws IOException {
        return fromFiles(path, WeightFiles.load(path, manager, device), manager, device, activation);
    }

    /**
     * As {@link #load}, from the weights {@link WeightFiles#load} read at {@code path} (their tensors
     * may have been replaced, for instance by the constants of an ONNX export's trace); the
     * configuration files are read from {@code path}.
     */
    public static Loaded fromFiles(Path path, WeightFiles.Loaded w, NDManager manager, Device device,
            Activation activation) throws IOException {
        JsonObject openClip = ModelFiles.json(path, "open_clip_config.json");
        if (openClip != null) {
            ClipLoader l = new ClipLoader(manager, device);
            l.activation = activation;
            return l.openAi(new WeightStore(w.source().toString(), w.tensors()), openClip);
        }
        return fromTensors(w.source().toString(), w.tensors(), ModelFiles.config(path),
                manager, device, activation);
    }

    /**
     * Builds CLIP from tensors already in memory (either naming), e.g. a state dict loaded elsewhere.
     *
     * @param source a name for error messages
     * @param config Hugging Face {@code config.json} content, or null to infer the geometry
     */
    public static Loaded fromTensors(String source, Map<String, NDArray> tensors, JsonObject config,
            NDManager manager, Device device, Activation activation) {
        ClipLoader l = new ClipLoader(manager, device);
        l.activation = activation;
        WeightStore store = new WeightStore(source, tensors);
        if (store.has("vision_model.embeddings.class_embedding") || store.has("text_model.embeddings.token_embedding.weight")) {
            return l.huggingFace(store, config);
        }
        if (store.has("visual.class_embedding") || store.has("token_embedding.weight")) {
            return l.openAi(store, null);
        }
        List<String> some = new ArrayList<>(store.names()).subList(0, Math.min(5, store.names().size()));
        throw new WeightMismatchException(source, List.of("not a CLIP checkpoint: neither "
                + "vision_model.embeddings.class_embedding (Hugging Face) nor visual.class_embedding "
                + "(OpenAI) is present; first names: " + some));
    }

    // ------------------------------------------------------------------ Hugging Face naming

    private Loaded huggingFace(WeightStore s, JsonObject config) {
        JsonObject vc = config == null ? null : config.getAsJsonObject("vision_config");
        JsonObject tc = config == null ? null : config.getAsJsonObject("text_config");
        int vw = dim(s, "vision_model.embeddings.class_embedding", 0, intOf(vc, "hidden_size"));
        int patch = dim(s, "vision_model.embeddings.patch_embedding.weight", 2, intOf(vc, "patch_size"));
        int vTokens = dim(s, "vision_model.embeddings.position_embedding.weight", 0, -1);
        int vLayers = intOf(vc, "num_hidden_layers") > 0 ? intOf(vc, "num_hidden_layers") : s.layerCount(HF_VISION);
        int vHeads = intOf(vc, "num_attention_heads") > 0 ? intOf(vc, "num_attention_heads") : Math.max(vw / 64, 1);
        int vMlp = dim(s, BlockNaming.HF_CLIP.fc1Weight("vision_model.encoder.layers."), 0, intOf(vc, "intermediate_size"));
        int tw = dim(s, "text_model.embeddings.token_embedding.weight", 1, intOf(tc, "hidden_size"));
        int vocab = dim(s, "text_model.embeddings.token_embedding.weight", 0, intOf(tc, "vocab_size"));
        int ctx = dim(s, "text_model.embeddings.position_embedding.weight", 0, intOf(tc, "max_position_embeddings"));
        int tLayers = intOf(tc, "num_hidden_layers") > 0 ? intOf(tc, "num_hidden_layers") : s.layerCount(HF_TEXT);
        int tHeads = intOf(tc, "num_attention_heads") > 0 ? intOf(tc, "num_attention_heads") : Math.max(tw / 64, 1);
        int tMlp = dim(s, BlockNaming.HF_CLIP.fc1Weight("text_model.encoder.layers."), 0, intOf(tc, "intermediate_size"));
        int embed = dim(s, "visual_projection.weight", 0, config == null ? -1 : intOf(config, "projection_dim"));
        float eps = floatOf(vc, "layer_norm_eps", 1e-5f);
        Activation act = activation != null ? activation
                : vc != null && vc.has("hidden_act") ? Activation.fromHf(vc.get("hidden_act").getAsString())
                : Activation.QUICK_GELU;
        int image = vc != null && vc.has("image_size") ? intOf(vc, "image_size")
                : (int) Math.round(Math.sqrt(vTokens - 1)) * patch;
        ClipConfig c = new ClipConfig(vw, vLayers, vHeads, vMlp, patch, image, tw, tLayers, tHeads, tMlp,
                ctx, vocab, embed, act, eps);
        checkGeometry(c);
        s.ignore("vision_model.embeddings.position_ids");
        s.ignore("text_model.embeddings.position_ids");
        String v = "vision_model.";
        String t = "text_model.";
        NDArray conv = s.take(v + "embeddings.patch_embedding.weight", vw, 3, patch, patch);
        VisionWeights vision = new VisionWeights(conv == null ? null : conv.reshape(vw, -1).transpose(), null,
                patch, image, s.take(v + "embeddings.class_embedding", vw), null,
                s.take(v + "embeddings.position_embedding.weight", c.visionTokens(), vw),
                LayerNormWeights.take(s, v + "pre_layrnorm", vw, eps),
                BlockNaming.HF_CLIP.read(s, v + "encoder.layers.", vLayers, vw, vMlp, vHeads, eps),
                LayerNormWeights.take(s, v + "post_layernorm", vw, eps));
        ClipWeights w = new ClipWeights(vision,
                s.takeTransposed("visual_projection.weight", embed, vw),
                s.take(t + "embeddings.token_embedding.weight", vocab, tw),
                s.take(t + "embeddings.position_embedding.weight", ctx, tw),
                BlockNaming.HF_CLIP.read(s, t + "encoder.layers.", tLayers, tw, tMlp, tHeads, eps),
                LayerNormWeights.take(s, t + "final_layer_norm", tw, eps),
                s.takeTransposed("text_projection.weight", embed, tw),
                scalar(s, "logit_scale"), null, null);
        s.finish();
        return new Loaded(c, w);
    }

    // ------------------------------------------------------------------ OpenAI / OpenCLIP naming

    /**
     * @param openClip OpenCLIP's {@code open_clip_config.json} ({@code model_cfg}: heads from
     *     {@code vision_cfg.head_width} and {@code text_cfg.heads}, GELU unless {@code quick_gelu}), or null
     */
    private Loaded openAi(WeightStore s, JsonObject openClip) {
        JsonObject mc = openClip == null ? null
                : openClip.has("model_cfg") ? openClip.getAsJsonObject("model_cfg") : openClip;
        JsonObject vcfg = mc != null && mc.has("vision_cfg") ? mc.getAsJsonObject("vision_cfg") : null;
        JsonObject tcfg = mc != null && mc.has("text_cfg") ? mc.getAsJsonObject("text_cfg") : null;
        if (mc != null && activation == null) {
            activation = mc.has("quick_gelu") && mc.get("quick_gelu").getAsBoolean() ? Activation.QUICK_GELU
                    : Activation.GELU;
        }
        int vw = dim(s, "visual.class_embedding", 0, -1);
        int patch = dim(s, "visual.conv1.weight", 2, -1);
        int vTokens = dim(s, "visual.positional_embedding", 0, -1);
        int vLayers = s.layerCount(OA_VISION);
        int vMlp = dim(s, BlockNaming.OPENAI.fc1Weight("visual.transformer.resblocks."), 0, -1);
        int tw = dim(s, "token_embedding.weight", 1, -1);
        int vocab = dim(s, "token_embedding.weight", 0, -1);
        int ctx = dim(s, "positional_embedding", 0, -1);
        int tLayers = s.layerCount(OA_TEXT);
        int tMlp = dim(s, BlockNaming.OPENAI.fc1Weight("transformer.resblocks."), 0, -1);
        int embed = dim(s, "visual.proj", 1, -1);
        float eps = 1e-5f;
        int vHeads = Math.max(vw / Math.max(intOf(vcfg, "head_width") > 0 ? intOf(vcfg, "head_width") : 64, 1), 1);
        int tHeads = intOf(tcfg, "heads") > 0 ? intOf(tcfg, "heads") : Math.max(tw / 64, 1);
        ClipConfig c = new ClipConfig(vw, vLayers, vHeads, vMlp, patch,
                (int) Math.round(Math.sqrt(vTokens - 1)) * patch, tw, tLayers, tHeads, tMlp, ctx,
                vocab, embed, activation != null ? activation : Activation.QUICK_GELU, eps);
        checkGeometry(c);
        s.ignore("attn_mask");
        s.ignore("input_resolution");
        s.ignore("context_length");
        s.ignore("vocab_size");
        NDArray conv = s.take("visual.conv1.weight", vw, 3, patch, patch);
        VisionWeights vision = new VisionWeights(conv == null ? null : conv.reshape(vw, -1).transpose(), null,
                patch, c.imageSize(), s.take("visual.class_embedding", vw), null,
                s.take("visual.positional_embedding", c.visionTokens(), vw),
                LayerNormWeights.take(s, "visual.ln_pre", vw, eps),
                BlockNaming.OPENAI.read(s, "visual.transformer.resblocks.", vLayers, vw, vMlp, c.visionHeads(), eps),
                LayerNormWeights.take(s, "visual.ln_post", vw, eps));
        ClipWeights w = new ClipWeights(vision,
                s.take("visual.proj", vw, embed),
                s.take("token_embedding.weight", vocab, tw),
                s.take("positional_embedding", ctx, tw),
                BlockNaming.OPENAI.read(s, "transformer.resblocks.", tLayers, tw, tMlp, c.textHeads(), eps),
                LayerNormWeights.take(s, "ln_final", tw, eps),
                s.take("text_projection", tw, embed),
                scalar(s, "logit_scale"),
                crossOffsets(s, "visual.transformer.cross_image", vLayers, vw),
                crossOffsets(s, "transformer.cross_text", tLayers, tw));
        s.finish();
        return new Loaded(c, w);
    }

    // ------------------------------------------------------------------ helpers

    private static void checkGeometry(ClipConfig c) {
        List<String> bad = new ArrayList<>();
        if (c.visionWidth() <= 0 || c.textWidth() <= 0 || c.patch() <= 0 || c.embed() <= 0 || c.context() <= 0) {
            bad.add("cannot infer the geometry (widths, patch, embed, context) from these tensors: " + c);
        } else {
            if (c.visionWidth() % c.visionHeads() != 0 || c.textWidth() % c.textHeads() != 0) {
                bad.add("heads do not divide the width: " + c);
            }
            if (c.visionLayers() == 0 || c.textLayers() == 0) {
                bad.add("no transformer layers found (vision " + c.visionLayers() + ", text " + c.textLayers() + ")");
            }
        }
        if (!bad.isEmpty()) {
            throw new WeightMismatchException("(geometry)", bad);
        }
    }

    /**
     * CrossGET's learned cross-token offsets as the authors' checkpoints store them, [1, L, C]
     * (or [L, C]), returned as [L, C]; null when the checkpoint has none.
     */
    private static NDArray crossOffsets(WeightStore s, String name, int layers, int width) {
        if (!s.has(name)) {
            return null;
        }
        NDArray a = s.peek(name).getShape().dimension() == 3 ? s.take(name, 1, layers, width) : s.take(name, layers, width);
        return a == null ? null : a.reshape(layers, width);
    }

    private static int dim(WeightStore s, String name, int axis, int fallback) {
        int d = s.dim(name, axis);
        return d < 0 ? fallback : d;
    }

    private static int intOf(JsonObject o, String key) {
        return o != null && o.has(key) ? o.get(key).getAsInt() : -1;
    }

    private static float floatOf(JsonObject o, String key, float dflt) {
        return o != null && o.has(key) ? o.get(key).getAsFloat() : dflt;
    }

    private static float scalar(WeightStore s, String name) {
        NDArray a = s.take(name);
        return a == null ? 0f : a.toFloatArray()[0];
    }
}
