package io.github.tokenreduce.djl.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.clip.RandomClipWeights;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small random CLIP written in both namings with identical parameters: Hugging Face (separate
 * q/k/v, projections as [E, W] Linear weights, config.json) and OpenAI (fused in_proj, [W, E]
 * projections), drawn by {@link RandomClipWeights}. Width 64, 1 head, 2 layers per tower, patch 16,
 * 224 px, context 77.
 */
public final class RandomClip {

    public static final int WIDTH = 64;
    public static final int LAYERS = 2;
    public static final int MLP = 128;
    public static final int EMBED = 32;
    public static final int VOCAB = 500;
    public static final int CONTEXT = 77;
    public static final int TOKENS = 197;

    private RandomClip() {}

    /** Random parameters in OpenAI naming. */
    public static Map<String, NDArray> openAi(NDManager m, long seed) {
        return openAi(m, seed, 16, 224);
    }

    /** Random parameters in OpenAI naming with another patch size and resolution (all random). */
    public static Map<String, NDArray> openAi(NDManager m, long seed, int patch, int image) {
        m.getEngine().setRandomSeed((int) seed);
        return RandomClipWeights.generate(m, new RandomClipWeights.Geometry(WIDTH, LAYERS, patch, image, WIDTH, LAYERS,
                CONTEXT, VOCAB, EMBED, MLP / WIDTH), RandomClipWeights.Values.ALL_RANDOM);
    }

    /** The same parameters in Hugging Face naming. */
    public static Map<String, NDArray> huggingFace(Map<String, NDArray> oa) {
        Map<String, NDArray> w = new LinkedHashMap<>();
        w.put("vision_model.embeddings.class_embedding", oa.get("visual.class_embedding"));
        w.put("vision_model.embeddings.patch_embedding.weight", oa.get("visual.conv1.weight"));
        w.put("vision_model.embeddings.position_embedding.weight", oa.get("visual.positional_embedding"));
        copyLn(oa, w, "visual.ln_pre", "vision_model.pre_layrnorm");
        hfBlocks(oa, w, "visual.transformer.resblocks.", "vision_model.encoder.layers.");
        copyLn(oa, w, "visual.ln_post", "vision_model.post_layernorm");
        w.put("visual_projection.weight", oa.get("visual.proj").transpose());
        w.put("text_model.embeddings.token_embedding.weight", oa.get("token_embedding.weight"));
        w.put("text_model.embeddings.position_embedding.weight", oa.get("positional_embedding"));
        hfBlocks(oa, w, "transformer.resblocks.", "text_model.encoder.layers.");
        copyLn(oa, w, "ln_final", "text_model.final_layer_norm");
        w.put("text_projection.weight", oa.get("text_projection").transpose());
        w.put("logit_scale", oa.get("logit_scale"));
        return w;
    }

    /** Writes a Hugging Face model directory (config.json + model.safetensors). */
    public static Path writeHf(Path dir, Map<String, NDArray> hf, SafetensorsWriter.Encoding enc)
            throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), hf, enc);
        Files.writeString(dir.resolve("config.json"), "{\"projection_dim\": " + EMBED
                + ", \"vision_config\": {\"hidden_size\": " + WIDTH + ", \"intermediate_size\": " + MLP
                + ", \"num_attention_heads\": 1, \"num_hidden_layers\": " + LAYERS
                + ", \"patch_size\": 16, \"image_size\": 224, \"hidden_act\": \"quick_gelu\"},"
                + " \"text_config\": {\"hidden_size\": " + WIDTH + ", \"intermediate_size\": " + MLP
                + ", \"num_attention_heads\": 1, \"num_hidden_layers\": " + LAYERS
                + ", \"max_position_embeddings\": " + CONTEXT + ", \"vocab_size\": " + VOCAB
                + ", \"hidden_act\": \"quick_gelu\"}}");
        return dir;
    }

    /** Random token ids [B, 77]: start token, words, end-of-text (the largest id), padding 0. */
    public static long[][] ids(long seed, int b) {
        java.util.Random rnd = new java.util.Random(seed);
        long[][] ids = new long[b][CONTEXT];
        for (int i = 0; i < b; i++) {
            int len = 3 + rnd.nextInt(20);
            ids[i][0] = VOCAB - 2;
            for (int j = 1; j < len; j++) {
                ids[i][j] = 1 + rnd.nextInt(VOCAB - 3);
            }
            ids[i][len] = VOCAB - 1;
        }
        return ids;
    }

    private static void hfBlocks(Map<String, NDArray> oa, Map<String, NDArray> w, String from, String to) {
        for (int i = 0; i < LAYERS; i++) {
            String p = from + i + ".";
            String q = to + i + ".";
            copyLn(oa, w, p + "ln_1", q + "layer_norm1");
            NDList qkv = oa.get(p + "attn.in_proj_weight").split(3, 0);
            NDList qkvB = oa.get(p + "attn.in_proj_bias").split(3, 0);
            String[] names = {"q_proj", "k_proj", "v_proj"};
            for (int k = 0; k < 3; k++) {
                w.put(q + "self_attn." + names[k] + ".weight", qkv.get(k));
                w.put(q + "self_attn." + names[k] + ".bias", qkvB.get(k));
            }
            w.put(q + "self_attn.out_proj.weight", oa.get(p + "attn.out_proj.weight"));
            w.put(q + "self_attn.out_proj.bias", oa.get(p + "attn.out_proj.bias"));
            copyLn(oa, w, p + "ln_2", q + "layer_norm2");
            w.put(q + "mlp.fc1.weight", oa.get(p + "mlp.c_fc.weight"));
            w.put(q + "mlp.fc1.bias", oa.get(p + "mlp.c_fc.bias"));
            w.put(q + "mlp.fc2.weight", oa.get(p + "mlp.c_proj.weight"));
            w.put(q + "mlp.fc2.bias", oa.get(p + "mlp.c_proj.bias"));
        }
    }

    private static void copyLn(Map<String, NDArray> from, Map<String, NDArray> to, String a, String b) {
        to.put(b + ".weight", from.get(a + ".weight"));
        to.put(b + ".bias", from.get(a + ".bias"));
    }
}
