package io.github.tokenreduce.djl.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.blip.BlipModel;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.vilt.ViltModel;
import io.github.tokenreduce.djl.vit.VitModel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The model families a set of parameters can belong to, recognised from the parameter names alone
 * by a table of markers (an exact name, or a prefix ending in a dot, that must all be present);
 * the first family whose markers all match wins. Each family builds our block-by-block model on the
 * given tensors, sharing them.
 */
public enum ModelFamily {
    /** CLIP in OpenAI's naming (OpenAI's TorchScript releases, OpenCLIP state dicts). */
    CLIP_OPENAI(List.of("visual.transformer.resblocks.", "token_embedding.weight"),
            (t, c, m) -> ClipModel.of(t, c, m, null)),
    /** CLIP in Hugging Face's naming ({@code CLIPModel}). */
    CLIP_HF(List.of("vision_model.embeddings.class_embedding", "text_model.embeddings.token_embedding.weight"),
            (t, c, m) -> ClipModel.of(t, c, m, null)),
    /** BLIP image-text matching, Hugging Face naming. */
    BLIP_HF(List.of("vision_model.embeddings.class_embedding", "text_encoder.embeddings.word_embeddings.weight"),
            BlipModel::of),
    /** BLIP image-text matching, the authors' (LAVIS) naming. */
    BLIP_ORIGINAL(List.of("visual_encoder.cls_token", "text_encoder.embeddings.word_embeddings.weight"),
            BlipModel::of),
    /** ViLT, Hugging Face naming. */
    VILT(List.of("vilt.embeddings.cls_token"), ViltModel::of),
    /** ViT / DeiT classifiers, Hugging Face naming. */
    VIT_HF(List.of("vit.embeddings.cls_token"), (t, c, m) -> VitModel.of(t, c, m, null)),
    /** DeiT classifiers, Hugging Face naming. */
    DEIT_HF(List.of("deit.embeddings.cls_token"), (t, c, m) -> VitModel.of(t, c, m, null)),
    /** ViT classifiers, timm naming. */
    VIT_TIMM(List.of("cls_token", "patch_embed.proj.weight"), (t, c, m) -> VitModel.of(t, c, m, null));

    private final List<String> markers;
    private final Builder builder;

    ModelFamily(List<String> markers, Builder builder) {
        this.markers = markers;
        this.builder = builder;
    }

    /**
     * The family of parameters called {@code names}.
     *
     * @param source what the names come from, for the error
     * @throws IllegalArgumentException naming the families known and the first names seen
     */
    public static ModelFamily recognise(Collection<String> names, String source) {
        for (ModelFamily f : values()) {
            if (f.markers.stream().allMatch(k -> k.endsWith(".")
                    ? names.stream().anyMatch(n -> n.startsWith(k)) : names.contains(k))) {
                return f;
            }
        }
        List<String> known = new ArrayList<>();
        for (ModelFamily f : values()) {
            known.add(f + " " + f.markers);
        }
        throw new IllegalArgumentException("model: the parameters of " + source + " belong to no known family; "
                + "expected the names of one of " + known + ", first names seen: "
                + names.stream().limit(5).toList() + " (" + names.size() + " in all)");
    }

    /**
     * Our model of this family on {@code tensors} (shared, not copied), built on {@code manager},
     * which the model does not own; {@code config} is a Hugging Face {@code config.json} or null (the
     * geometry is then read from the tensor shapes).
     */
    public AutoCloseable build(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        return builder.build(tensors, config, manager);
    }

    /** Builds a family's model on shared tensors. */
    @FunctionalInterface
    private interface Builder {
        AutoCloseable build(Map<String, NDArray> tensors, JsonObject config, NDManager manager);
    }
}
