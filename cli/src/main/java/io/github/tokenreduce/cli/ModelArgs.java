package io.github.tokenreduce.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.cli.data.Cranfield;
import io.github.tokenreduce.cli.workload.BlipWorkload;
import io.github.tokenreduce.cli.workload.ClipWorkload;
import io.github.tokenreduce.cli.workload.TextWorkload;
import io.github.tokenreduce.cli.workload.VitWorkload;
import io.github.tokenreduce.cli.workload.Workload;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.weights.ModelFiles;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a model argument names: a bundled sentence encoder by name, {@code random-clip} /
 * {@code random-blip} (ViT-B/16 shapes with random weights), or a model folder or file whose kind
 * (CLIP, BLIP, ViT) is read from {@code config.json}'s {@code model_type}, else from its tensor
 * names.
 */
final class ModelArgs {

    /** A model's kind. */
    enum Kind { CLIP, BLIP, VIT }

    private ModelArgs() {}

    /** The bundled encoder named {@code arg} ({@code all-minilm-l6-v2}, {@code minilm}, ...), or null. */
    static BundledEncoder bundled(String arg) {
        return BundledEncoder.byName(arg).orElse(null);
    }

    /** The kind of the model at {@code path}. */
    static Kind kind(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("model: " + path + " does not exist (and is not a bundled model name: "
                    + "all-minilm-l6-v2, bge-small-en-v1.5, e5-small-v2, random-clip, random-blip)");
        }
        JsonObject cfg = ModelFiles.config(path);
        if (cfg != null && cfg.has("model_type")) {
            String t = cfg.get("model_type").getAsString();
            switch (t) {
                case "clip":
                    return Kind.CLIP;
                case "blip":
                    return Kind.BLIP;
                case "vit":
                case "deit":
                    return Kind.VIT;
                default:
                    break;
            }
        }
        if (ModelFiles.json(path, "open_clip_config.json") != null) {
            return Kind.CLIP;
        }
        Set<String> names;
        try (NDManager m = NDManager.newBaseManager()) {
            names = Set.copyOf(WeightFiles.load(path, m, Device.cpu()).tensors().keySet());
        }
        if (names.contains("visual.class_embedding") || names.contains("vision_model.embeddings.class_embedding")
                && names.stream().anyMatch(n -> n.startsWith("text_model."))) {
            return Kind.CLIP;
        }
        if (names.contains("visual_encoder.cls_token") || names.stream().anyMatch(n -> n.startsWith("text_encoder."))) {
            return Kind.BLIP;
        }
        if (names.contains("cls_token") || names.contains("vit.embeddings.cls_token")
                || names.contains("deit.embeddings.cls_token")) {
            return Kind.VIT;
        }
        throw new IllegalArgumentException("model: cannot tell what " + path + " holds: not a CLIP, BLIP or ViT checkpoint "
                + "(first names: " + names.stream().sorted().limit(5).toList() + ")");
    }

    /** The benchmark workload for {@code arg}. */
    static Workload workload(String arg, Device device, Integer batch, Path data, int docs) throws IOException {
        switch (arg.toLowerCase(Locale.ROOT)) {
            case "random-clip":
                return ClipWorkload.randomVitB16(batch == null ? 8 : batch);
            case "random-blip":
                return BlipWorkload.randomBase(batch == null ? 2 : batch);
            default:
                break;
        }
        BundledEncoder b = bundled(arg);
        if (b != null) {
            return TextWorkload.of(b, documents(data, docs), batch == null ? 16 : batch);
        }
        Path p = Path.of(arg);
        return switch (kind(p)) {
            case CLIP -> ClipWorkload.load(p, device, batch == null ? 8 : batch);
            case BLIP -> BlipWorkload.load(p, device, batch == null ? 2 : batch);
            case VIT -> VitWorkload.load(p, device, batch == null ? 8 : batch);
        };
    }

    /** The first {@code n} Cranfield abstracts from {@code data}, or built-in sentences when it is absent. */
    static List<String> documents(Path data, int n) throws IOException {
        Path cran = data.resolve("cranfield");
        if (Files.isDirectory(cran)) {
            List<String> docs = new ArrayList<>(Cranfield.read(cran).docs().values());
            return docs.subList(0, Math.min(n, docs.size()));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("A sample document number " + i + " about token reduction, which removes redundant tokens "
                    + "between transformer blocks to save compute while keeping the embedding close to the original.");
        }
        return out;
    }

}
