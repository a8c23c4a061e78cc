package io.github.tokenreduce.djl.blip;

import ai.djl.ndarray.NDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The original BLIP / LAVIS parameter names ({@code visual_encoder.blocks.N.attn.qkv},
 * {@code text_encoder.encoder.layer.N...}, {@code vision_proj}, {@code text_proj}, {@code itm_head})
 * mapped to Hugging Face's, the inverse of {@code rename_key} in transformers'
 * {@code convert_blip_original_pytorch_to_hf.py}: {@code visual_encoder} → {@code vision_model.encoder},
 * {@code blocks} → {@code layers}, {@code attn} → {@code self_attn} ({@code proj} → {@code projection}),
 * {@code norm1/2} → {@code layer_norm1/2}, {@code encoder.norm} → {@code post_layernorm}, and the
 * patch, position and class embeddings moved under {@code embeddings}. The text tower and the heads
 * share their names. What only training uses (momentum encoders {@code *_m}, the ITC queues and
 * {@code temp}) is dropped; MADTP's learned dictionary {@code space_dict} is kept under its name.
 */
final class BlipNaming {

    private static final List<Pattern> TRAINING_ONLY = List.of(
            Pattern.compile("^(visual_encoder_m|text_encoder_m|vision_proj_m|text_proj_m)\\."),
            Pattern.compile("^(image_queue|text_queue|idx_queue|ptr_queue|temp)$"));

    private BlipNaming() {}

    /** Whether {@code tensors} use the original naming. */
    static boolean isOriginal(Map<String, NDArray> tensors) {
        return tensors.containsKey("visual_encoder.cls_token");
    }

    /** The same tensors under Hugging Face names, training-only entries dropped. */
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

    static String rename(String key) {
        if (!key.startsWith("visual_encoder.")) {
            return key;
        }
        String k = "vision_model.encoder." + key.substring("visual_encoder.".length());
        k = k.replace("vision_model.encoder.cls_token", "vision_model.embeddings.class_embedding")
                .replace("vision_model.encoder.pos_embed", "vision_model.embeddings.position_embedding")
                .replace("vision_model.encoder.patch_embed.proj", "vision_model.embeddings.patch_embedding")
                .replace("vision_model.encoder.norm.", "vision_model.post_layernorm.")
                .replace(".blocks.", ".layers.")
                .replace(".attn.proj.", ".self_attn.projection.")
                .replace(".attn.", ".self_attn.")
                .replace(".norm1.", ".layer_norm1.")
                .replace(".norm2.", ".layer_norm2.");
        return k;
    }
}
