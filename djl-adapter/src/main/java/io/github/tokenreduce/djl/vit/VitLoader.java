package io.github.tokenreduce.djl.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.BlockNaming;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a ViT/DeiT image classifier in either naming:
 * <ul>
 *   <li>timm ({@code cls_token}, {@code pos_embed}, {@code patch_embed.proj}, {@code blocks.N.attn.qkv},
 *       {@code norm}, {@code head}; DeiT's {@code dist_token} and {@code head_dist}, {@code reg_token},
 *       LayerScale {@code blocks.N.ls1.gamma}, {@code norm_pre}, {@code fc_norm} for average pooling);
 *   <li>Hugging Face {@code ViTForImageClassification} / {@code DeiTForImageClassificationWithTeacher}
 *       ({@code vit.encoder.layer.N.attention.attention.query}, {@code classifier}, with
 *       {@code config.json}).
 * </ul>
 * Geometry comes from {@code config.json} when present, else from the tensors; the head count is
 * not in the shapes, so it defaults to width / 64 (the ViT convention) unless {@link Overrides}
 * give it. A checkpoint feature the model does not implement (qk-norm, attention pooling, ...) is
 * an error naming the tensor, never a silently different model; every missing, misshaped or
 * unexpected tensor is reported at once.
 */
public final class VitLoader {

    private static final Pattern TIMM_BLOCK = Pattern.compile("^blocks\\.(\\d+)\\.");
    private static final Pattern HF_LAYER = Pattern.compile("^(?:vit|deit)\\.encoder\\.layer\\.(\\d+)\\.");
    /** timm tensors of features this model does not implement, with what they are. */
    private static final Map<Pattern, String> UNSUPPORTED = new LinkedHashMap<>();

    static {
        UNSUPPORTED.put(Pattern.compile("\\.attn\\.(q_norm|k_norm)\\."), "qk-norm");
        UNSUPPORTED.put(Pattern.compile("\\.attn\\.norm\\."), "attention output norm (scale_attn_norm)");
        UNSUPPORTED.put(Pattern.compile("\\.mlp\\.norm\\."), "MLP norm (scale_mlp_norm)");
        UNSUPPORTED.put(Pattern.compile("\\.mlp\\.fc1_[gx]\\.|\\.mlp\\.w12\\."), "gated (SwiGLU) MLP");
        UNSUPPORTED.put(Pattern.compile("^attn_pool\\."), "attention pooling (MAP head)");
        UNSUPPORTED.put(Pattern.compile("\\.attn\\.(q_bias|v_bias)$"), "split q/v biases (EVA/BEiT)");
        UNSUPPORTED.put(Pattern.compile("relative_position"), "relative position bias");
        UNSUPPORTED.put(Pattern.compile("\\.norm1_post\\.|\\.norm2_post\\."), "post-norm blocks");
        UNSUPPORTED.put(Pattern.compile("rope|freqs"), "rotary position embeddings");
    }

    private VitLoader() {}

    /**
     * Geometry the tensors cannot tell.
     *
     * @param heads attention heads (0: from config.json, else width / 64)
     * @param eps LayerNorm epsilon (NaN: from config.json, else 1e-6 for timm, 1e-12 for Hugging Face)
     */
    public record Overrides(int heads, float eps) {
        /** Nothing overridden. */
        public static final Overrides NONE = new Overrides(0, Float.NaN);
    }

    /** The loaded model's parts. */
    public record Loaded(VitConfig config, VitWeights weights) {}

    /** Loads a model directory ({@code model.safetensors}, optional {@code config.json}) or a file. */
    public static Loaded load(Path path, NDManager manager, Device device, Overrides overrides) throws IOException {
        WeightFiles.Loaded w = WeightFiles.load(path, manager, device);
        return fromTensors(w.source().toString(), w.tensors(), ModelFiles.config(path),
                overrides, manager);
    }

    /** Builds a ViT from tensors in memory (either naming). */
    public static Loaded fromTensors(String source, Map<String, NDArray> tensors, JsonObject config,
            Overrides overrides, NDManager manager) {
        WeightStore s = new WeightStore(source, tensors);
        rejectUnsupported(source, s);
        if (s.has("cls_token") && s.has("patch_embed.proj.weight")) {
            return timm(s, config, overrides == null ? Overrides.NONE : overrides);
        }
        String hf = s.has("vit.embeddings.cls_token") ? "vit." : s.has("deit.embeddings.cls_token") ? "deit." : null;
        if (hf != null) {
            return huggingFace(s, hf, config, overrides == null ? Overrides.NONE : overrides);
        }
        List<String> some = new ArrayList<>(s.names()).subList(0, Math.min(5, s.names().size()));
        throw new WeightMismatchException(source, List.of("not a ViT classifier: neither cls_token + "
                + "patch_embed.proj.weight (timm) nor vit.embeddings.cls_token (Hugging Face) is present; first names: "
                + some));
    }

    // ------------------------------------------------------------------ timm

    private static Loaded timm(WeightStore s, JsonObject config, Overrides o) {
        int w = s.dim("cls_token", 2);
        int patch = s.dim("patch_embed.proj.weight", 2);
        int layers = s.layerCount(TIMM_BLOCK);
        int mlp = s.dim(BlockNaming.TIMM.fc1Weight("blocks."), 0);
        int classes = Math.max(s.dim("head.weight", 0), 0);
        boolean distilled = s.has("dist_token");
        int registers = s.has("reg_token") ? s.dim("reg_token", 1) : 0;
        int prefix = 1 + (distilled ? 1 : 0) + registers;
        int posLen = s.dim("pos_embed", 1);
        boolean fcNorm = s.has("fc_norm.weight");
        int heads = o.heads() > 0 ? o.heads() : intOf(config, "num_heads", Math.max(w / 64, 1));
        float eps = !Float.isNaN(o.eps()) ? o.eps() : 1e-6f;
        // pos_embed covers the prefix tokens, or only the patches (timm no_embed_class)
        boolean posOnPatches = !isSquare(posLen - prefix) && isSquare(posLen);
        int grid = (int) Math.round(Math.sqrt(Math.max(posOnPatches ? posLen : posLen - prefix, 0)));
        VitConfig c = new VitConfig(w, layers, heads, mlp, patch, grid * patch, classes, eps, Activation.GELU,
                distilled, registers, fcNorm ? VitConfig.Pooling.AVG : VitConfig.Pooling.TOKEN, ModelFiles.labels(config));
        checkGeometry(c);
        NDArray conv = s.take("patch_embed.proj.weight", w, 3, patch, patch);
        NDArray extra = extraPrefix(s.has("dist_token") ? s.take("dist_token", 1, 1, w) : null,
                registers > 0 ? s.take("reg_token", 1, registers, w) : null, w);
        NDArray pos = s.take("pos_embed", 1, posOnPatches ? (long) grid * grid : c.tokens(), w);
        NDArray cls = s.take("cls_token", 1, 1, w);
        List<BlockWeights> blocks = BlockNaming.TIMM.read(s, "blocks.", layers, w, mlp, heads, eps);
        VisionWeights tower = new VisionWeights(conv == null ? null : conv.reshape(w, -1).transpose(),
                s.has("patch_embed.proj.bias") ? s.take("patch_embed.proj.bias", w) : null, patch, c.imageSize(),
                cls == null ? null : cls.reshape(w), extra,
                pos == null ? null : pos.reshape(-1, w),
                s.has("norm_pre.weight") ? LayerNormWeights.take(s, "norm_pre", w, eps) : null, blocks,
                s.has("norm.weight") ? LayerNormWeights.take(s, "norm", w, eps) : null);
        VitWeights weights = new VitWeights(tower, fcNorm ? LayerNormWeights.take(s, "fc_norm", w, eps) : null,
                classes > 0 ? s.takeTransposed("head.weight", classes, w) : null,
                classes > 0 ? s.take("head.bias", classes) : null,
                distilled && classes > 0 ? s.takeTransposed("head_dist.weight", classes, w) : null,
                distilled && classes > 0 ? s.take("head_dist.bias", classes) : null);
        s.finish();
        return new Loaded(c, weights);
    }

    // ------------------------------------------------------------------ Hugging Face

    private static Loaded huggingFace(WeightStore s, String m, JsonObject config, Overrides o) {
        String e = m + "embeddings.";
        int w = s.dim(e + "cls_token", 2);
        int patch = s.dim(e + "patch_embeddings.projection.weight", 2);
        int layers = intOf(config, "num_hidden_layers", s.layerCount(HF_LAYER));
        int mlp = s.dim(BlockNaming.HF_VIT.fc1Weight(m + "encoder.layer."), 0);
        boolean distilled = s.has(e + "distillation_token");
        String head = distilled ? "cls_classifier" : "classifier";
        int classes = Math.max(s.dim(head + ".weight", 0), 0);
        int heads = o.heads() > 0 ? o.heads() : intOf(config, "num_attention_heads", Math.max(w / 64, 1));
        float eps = !Float.isNaN(o.eps()) ? o.eps()
                : config != null && config.has("layer_norm_eps") ? config.get("layer_norm_eps").getAsFloat() : 1e-12f;
        Activation act = config != null && config.has("hidden_act")
                ? Activation.fromHf(config.get("hidden_act").getAsString()) : Activation.GELU;
        int posLen = s.dim(e + "position_embeddings", 1);
        int prefix = distilled ? 2 : 1;
        int image = intOf(config, "image_size", (int) Math.round(Math.sqrt(Math.max(posLen - prefix, 0))) * patch);
        VitConfig c = new VitConfig(w, layers, heads, mlp, patch, image, classes, eps, act, distilled, 0,
                VitConfig.Pooling.TOKEN, ModelFiles.labels(config));
        checkGeometry(c);
        s.ignore(e + "mask_token");
        s.ignore(m + "pooler.dense.weight");
        s.ignore(m + "pooler.dense.bias");
        NDArray conv = s.take(e + "patch_embeddings.projection.weight", w, 3, patch, patch);
        NDArray pos = s.take(e + "position_embeddings", 1, c.tokens(), w);
        NDArray cls = s.take(e + "cls_token", 1, 1, w);
        List<BlockWeights> blocks = BlockNaming.HF_VIT.read(s, m + "encoder.layer.", layers, w, mlp, heads, eps);
        VisionWeights tower = new VisionWeights(conv == null ? null : conv.reshape(w, -1).transpose(),
                s.take(e + "patch_embeddings.projection.bias", w), patch, image,
                cls == null ? null : cls.reshape(w),
                distilled ? extraPrefix(s.take(e + "distillation_token", 1, 1, w), null, w) : null,
                pos == null ? null : pos.reshape(c.tokens(), w), null, blocks,
                LayerNormWeights.take(s, m + "layernorm", w, eps));
        VitWeights weights = new VitWeights(tower, null,
                classes > 0 ? s.takeTransposed(head + ".weight", classes, w) : null,
                classes > 0 ? s.take(head + ".bias", classes) : null,
                distilled && classes > 0 ? s.takeTransposed("distillation_classifier.weight", classes, w) : null,
                distilled && classes > 0 ? s.take("distillation_classifier.bias", classes) : null);
        s.finish();
        return new Loaded(c, weights);
    }

    // ------------------------------------------------------------------ helpers

    private static void rejectUnsupported(String source, WeightStore s) {
        List<String> bad = new ArrayList<>();
        for (String name : s.names()) {
            for (Map.Entry<Pattern, String> u : UNSUPPORTED.entrySet()) {
                Matcher matcher = u.getKey().matcher(name);
                if (matcher.find()) {
                    bad.add(name + ": " + u.getValue() + " is not supported by this ViT");
                    break;
                }
            }
        }
        if (!bad.isEmpty()) {
            throw new WeightMismatchException(source, bad);
        }
    }

    private static NDArray extraPrefix(NDArray dist, NDArray registers, int w) {
        NDList parts = new NDList();
        if (dist != null) {
            parts.add(dist.reshape(1, w));
        }
        if (registers != null) {
            parts.add(registers.reshape(-1, w));
        }
        return parts.isEmpty() ? null : parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 0);
    }

    private static void checkGeometry(VitConfig c) {
        List<String> bad = new ArrayList<>();
        if (c.width() <= 0 || c.patch() <= 0 || c.imageSize() <= 0 || c.layers() <= 0 || c.mlp() <= 0) {
            bad.add("cannot infer the geometry (width, patch, resolution, layers, MLP) from these tensors: " + c);
        } else if (c.width() % c.heads() != 0) {
            bad.add("heads do not divide the width: " + c.heads() + " heads for width " + c.width());
        }
        if (!bad.isEmpty()) {
            throw new WeightMismatchException("(geometry)", bad);
        }
    }

    private static boolean isSquare(int n) {
        int r = (int) Math.round(Math.sqrt(Math.max(n, 0)));
        return n > 0 && r * r == n;
    }

    private static int intOf(JsonObject o, String key, int dflt) {
        return o != null && o.has(key) ? o.get(key).getAsInt() : dflt;
    }
}
