package io.github.tokenreduce.djl.vilt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.nn.BlockNaming;
import io.github.tokenreduce.djl.nn.BlockWeights;
import io.github.tokenreduce.djl.nn.LayerNormWeights;
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
 * Loads ViLT in either naming:
 * <ul>
 *   <li>Hugging Face {@code ViltForQuestionAnswering} / {@code ViltForImageAndTextRetrieval}
 *       ({@code vilt.embeddings.*}, {@code vilt.encoder.layer.N.*}, {@code vilt.layernorm},
 *       {@code vilt.pooler}, {@code classifier.{0,1,3}}, {@code rank_output}), with {@code config.json};
 *   <li>the original dandelin/ViLT and PuMer naming ({@code vilt.text_embeddings.*},
 *       {@code vilt.token_type_embeddings}, {@code vilt.transformer.{cls_token, pos_embed,
 *       patch_embed.proj, blocks.N (timm), norm}}, {@code vqa_classifier.{0,1,3}}, with or without the
 *       {@code vilt.} prefix). Pre-training heads ({@code itm_score}, {@code mlm_score}) are ignored.
 * </ul>
 * Either head may be absent. Every missing, misshaped or unexpected tensor is reported at once.
 */
public final class ViltLoader {

    private static final Pattern HF_LAYER = Pattern.compile("^vilt\\.encoder\\.layer\\.(\\d+)\\.");

    private ViltLoader() {}

    /** The loaded model's parts. */
    public record Loaded(ViltConfig config, ViltWeights weights) {}

    /** Loads a model directory ({@code model.safetensors}, optional {@code config.json}) or a file. */
    public static Loaded load(Path path, NDManager manager, Device device) throws IOException {
        WeightFiles.Loaded w = WeightFiles.load(path, manager, device);
        return fromTensors(w.source().toString(), w.tensors(), ModelFiles.config(path), manager);
    }

    /** Builds ViLT from tensors in memory (either naming). */
    public static Loaded fromTensors(String source, Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        WeightStore s = new WeightStore(source, tensors);
        if (s.has("vilt.embeddings.cls_token")) {
            return new ViltLoader().read(s, config, true, "vilt.");
        }
        for (String prefix : new String[] {"vilt.", ""}) {
            if (s.has(prefix + "transformer.cls_token") && s.has(prefix + "text_embeddings.word_embeddings.weight")) {
                return new ViltLoader().read(s, config, false, prefix);
            }
        }
        List<String> some = new ArrayList<>(s.names()).subList(0, Math.min(5, s.names().size()));
        throw new WeightMismatchException(source, List.of("not a ViLT checkpoint: neither vilt.embeddings.cls_token "
                + "(Hugging Face) nor [vilt.]transformer.cls_token (dandelin/PuMer) is present; first names: " + some));
    }

    private Loaded read(WeightStore s, JsonObject config, boolean hf, String p) {
        String text = hf ? p + "embeddings.text_embeddings." : p + "text_embeddings.";
        String cls = hf ? p + "embeddings.cls_token" : p + "transformer.cls_token";
        String pos = hf ? p + "embeddings.position_embeddings" : p + "transformer.pos_embed";
        String patchW = hf ? p + "embeddings.patch_embeddings.projection" : p + "transformer.patch_embed.proj";
        String modality = hf ? p + "embeddings.token_type_embeddings.weight" : p + "token_type_embeddings.weight";
        String norm = hf ? p + "layernorm" : p + "transformer.norm";
        String vqa = hf ? "classifier." : "vqa_classifier.";
        int w = s.dim(cls, 2);
        int patch = s.dim(patchW + ".weight", 2);
        int posLen = s.dim(pos, 1);
        int grid = (int) Math.round(Math.sqrt(Math.max(posLen - 1, 0)));
        if (config != null && config.has("image_size") && patch > 0) {
            grid = config.get("image_size").getAsInt() / patch;
        }
        int layers = hf ? s.layerCount(HF_LAYER) : s.layerCount(Pattern.compile("^" + Pattern.quote(p)
                + "transformer\\.blocks\\.(\\d+)\\."));
        int mlp = hf ? s.dim(BlockNaming.HF_VIT.fc1Weight(p + "encoder.layer."), 0)
                : s.dim(BlockNaming.TIMM.fc1Weight(p + "transformer.blocks."), 0);
        int heads = intOf(config, "num_attention_heads", Math.max(w / 64, 1));
        float eps = config != null && config.has("layer_norm_eps") ? config.get("layer_norm_eps").getAsFloat() : 1e-12f;
        ViltConfig c = new ViltConfig(w, layers, heads, mlp, patch, grid, s.dim(text + "position_embeddings.weight", 0),
                s.dim(text + "word_embeddings.weight", 0), eps, intOf(config, "max_image_length", -1), ModelFiles.labels(config));
        if (w <= 0 || patch <= 0 || layers <= 0 || mlp <= 0 || grid <= 0 || w % heads != 0 || c.vocab() <= 0) {
            throw new WeightMismatchException("(geometry)", List.of("cannot infer a consistent ViLT geometry from "
                    + "these tensors: " + c));
        }
        s.ignore(text + "position_ids");
        for (String n : List.copyOf(s.names())) {
            if (n.startsWith("itm_score.") || n.startsWith("mlm_score.")) {
                s.ignore(n); // pre-training heads
            }
        }
        List<BlockWeights> blocks = hf ? BlockNaming.HF_VIT.read(s, p + "encoder.layer.", layers, w, mlp, heads, eps)
                : BlockNaming.TIMM.read(s, p + "transformer.blocks.", layers, w, mlp, heads, eps);
        NDArray conv = s.take(patchW + ".weight", w, 3, patch, patch);
        NDArray clsT = s.take(cls, 1, 1, w);
        NDArray posT = s.take(pos, 1, 1L + (long) grid * grid, w);
        ViltWeights.VqaHead head = null;
        if (s.has(vqa + "0.weight")) {
            int answers = s.dim(vqa + "3.weight", 0);
            head = new ViltWeights.VqaHead(s.takeTransposed(vqa + "0.weight", 2L * w, w), s.take(vqa + "0.bias", 2L * w),
                    LayerNormWeights.take(s, vqa + "1", 2 * w, 1e-5f),
                    s.takeTransposed(vqa + "3.weight", answers, 2L * w), s.take(vqa + "3.bias", answers));
        }
        boolean rank = s.has("rank_output.weight");
        ViltWeights weights = new ViltWeights(
                s.take(text + "word_embeddings.weight", c.vocab(), w),
                s.take(text + "position_embeddings.weight", c.maxText(), w),
                s.take(text + "token_type_embeddings.weight", Math.max(s.dim(text + "token_type_embeddings.weight", 0), 1), w),
                LayerNormWeights.take(s, text + "LayerNorm", w, eps),
                s.take(modality, Math.max(s.dim(modality, 0), 2), w),
                conv == null ? null : conv.reshape(w, -1).transpose(), s.take(patchW + ".bias", w),
                clsT == null ? null : clsT.reshape(w), posT == null ? null : posT.reshape(-1, w), blocks,
                LayerNormWeights.take(s, norm, w, eps),
                s.takeTransposed(p + "pooler.dense.weight", w, w), s.take(p + "pooler.dense.bias", w), head,
                rank ? s.takeTransposed("rank_output.weight", 1, w) : null, rank ? s.take("rank_output.bias", 1) : null);
        s.finish();
        return new Loaded(c, weights);
    }

    private static int intOf(JsonObject o, String key, int dflt) {
        return o != null && o.has(key) ? o.get(key).getAsInt() : dflt;
    }
}
