package io.github.tokenreduce.djl.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

class ModelFamilyTest {

    @Test
    void recognisesEachFamilyByItsNames() {
        assertEquals(ModelFamily.CLIP_OPENAI, ModelFamily.recognise(List.of("positional_embedding",
                "visual.transformer.resblocks.0.attn.in_proj_weight", "token_embedding.weight"), "t"));
        assertEquals(ModelFamily.CLIP_HF, ModelFamily.recognise(List.of("vision_model.embeddings.class_embedding",
                "text_model.embeddings.token_embedding.weight"), "t"));
        assertEquals(ModelFamily.BLIP_HF, ModelFamily.recognise(List.of("vision_model.embeddings.class_embedding",
                "text_encoder.embeddings.word_embeddings.weight"), "t"));
        assertEquals(ModelFamily.BLIP_ORIGINAL, ModelFamily.recognise(List.of("visual_encoder.cls_token",
                "text_encoder.embeddings.word_embeddings.weight"), "t"));
        assertEquals(ModelFamily.VILT, ModelFamily.recognise(List.of("vilt.embeddings.cls_token"), "t"));
        assertEquals(ModelFamily.VIT_HF, ModelFamily.recognise(List.of("vit.embeddings.cls_token"), "t"));
        assertEquals(ModelFamily.VIT_TIMM, ModelFamily.recognise(List.of("cls_token", "patch_embed.proj.weight"), "t"));
    }

    @Test
    void aPrefixMarkerNeedsANameUnderIt() {
        // the OpenAI text tower alone (no visual.transformer.resblocks.*) is no CLIP
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFamily.recognise(
                List.of("transformer.resblocks.0.attn.in_proj_weight", "token_embedding.weight"), "my.pt"));
        assertTrue(e.getMessage().contains("my.pt") && e.getMessage().contains("CLIP_OPENAI")
                && e.getMessage().contains("token_embedding.weight"), e.getMessage());
    }
}
