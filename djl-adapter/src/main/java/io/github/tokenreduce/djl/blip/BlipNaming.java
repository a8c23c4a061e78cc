package io.github.tokenreduce.djl.blip;

import ai.djl.ndarray.NDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The original BLIP / LAVIS parameter names ({@code visual_encoder.cls_token}, {@code visual_encoder.blocks.N...},
 * {@code text_encoder.encoder.layer.N...}, {@code vision_proj}, {@code text_proj}, {@code itm_head}) beside
 * Hugging Face's, after {@code rename_key} in transformers' {@code convert_blip_original_pytorch_to_hf.py}:
 * the patch, position and class embeddings move under {@code vision_model.embeddings} and
 * {@code visual_encoder.norm} becomes {@code vision_model.post_layernorm}. The ViT blocks keep their
 * names ({@link #BLOCKS}) and are read with {@link io.github.tokenreduce.djl.nn.BlockNaming#LAVIS}; the text
 * tower and the heads share their names. What only training uses (momentum encoders {@code *_m}, the
 * ITC queues and {@code temp}) is dropped; MADTP's learned dictionary {@code space_dict} is kept under its name.
 */
final class BlipNaming {

    private static final List<Pattern> TRAINING_ONLY = List.of(
            Pattern.compile("^(visual_encoder_m|text_encoder_m|vision_proj_m|text_proj_m)\\."),
            Pattern.compile("^(image_queue|text_queue|idx_queue|ptr_queue|temp)$"));

    /** The original vision names outside the blocks (after {@code visual_encoder.}) and their Hugging Face names. */
    private static final String[][] EMBEDDINGS = {
        {"cls_token", "vision_model.embeddings.class_embedding"},
        {"pos_embed", "vision_model.embeddings.position_embedding"},
        {"patch_embed.proj", "vision_model.embeddings.patch_embedding"},
        {"norm.", "vision_model.post_layernorm."}};

    /** Where the original checkpoint's ViT blocks are ({@code visual_encoder.blocks.N.}). */
    static final String BLOCKS = "visual_encoder.blocks.";

    private BlipNaming() {}

    /** Whether {@code tensors} use the original naming. */
    static boolean isOriginal(Map<String, NDArray> tensors) {
        return tensors.containsKey("visual_encoder.cls_token");
    }

    /** The same tensors under Hugging Face names (the ViT blocks keep theirs), training-only entries dropped. */
    static Map<String, NDArray> toHuggingFace(Map<String, NDArray> tensors) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            String k = e.getKey();
            if (TRAINING_ONLY.stream().anyMatch(p -> p.matcher(k).find())) {
                continue;
            }
            out.put(rename(k), e.getValue());
        }
        return out;
    }

    /** {@code key} under its Hugging Face name; block and text names are returned as they are. */
    static String rename(String key) {
        if (!key.startsWith("visual_encoder.") || key.startsWith(BLOCKS)) {
            return key;
        }
        String k = key.substring("visual_encoder.".length());
        for (String[] r : EMBEDDINGS) {
            if (k.startsWith(r[0])) {
                return r[1] + k.substring(r[0].length());
            }
        }
        return "vision_model.encoder." + k;
    }
}
