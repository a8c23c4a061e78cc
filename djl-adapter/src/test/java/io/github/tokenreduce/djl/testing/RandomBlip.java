package io.github.tokenreduce.djl.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.text.TextBatch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A small random BLIP retrieval model in Hugging Face naming: ViT width 64 (2 heads, 2 blocks,
 * patch 16, 96 px: 37 tokens) and a BERT of width 64 (2 heads, 3 layers with cross-attention),
 * vocabulary 100, ITC width 32.
 */
public final class RandomBlip {

    public static final int WIDTH = 64;
    public static final int VISION_LAYERS = 2;
    public static final int TEXT_LAYERS = 3;
    public static final int IMAGE = 96;
    public static final int TOKENS = 37;
    public static final int VOCAB = 100;

    private RandomBlip() {}

    public static Map<String, NDArray> weights(NDManager m, int seed) {
        m.getEngine().setRandomSeed(seed);
        Map<String, NDArray> w = new LinkedHashMap<>();
        String v = "vision_model.";
        w.put(v + "embeddings.class_embedding", r(m, 1, 1, WIDTH));
        w.put(v + "embeddings.patch_embedding.weight", r(m, WIDTH, 3, 16, 16).mul(0.1f));
        w.put(v + "embeddings.patch_embedding.bias", r(m, WIDTH).mul(0.1f));
        w.put(v + "embeddings.position_embedding", r(m, 1, TOKENS, WIDTH));
        for (int i = 0; i < VISION_LAYERS; i++) {
            String p = v + "encoder.layers." + i + ".";
            ln(m, w, p + "layer_norm1");
            lin(m, w, p + "self_attn.qkv", 3 * WIDTH, WIDTH);
            lin(m, w, p + "self_attn.projection", WIDTH, WIDTH);
            ln(m, w, p + "layer_norm2");
            lin(m, w, p + "mlp.fc1", 2 * WIDTH, WIDTH);
            lin(m, w, p + "mlp.fc2", WIDTH, 2 * WIDTH);
        }
        ln(m, w, v + "post_layernorm");
        String t = "text_encoder.";
        w.put(t + "embeddings.word_embeddings.weight", r(m, VOCAB, WIDTH));
        w.put(t + "embeddings.position_embeddings.weight", r(m, 40, WIDTH));
        ln(m, w, t + "embeddings.LayerNorm");
        for (int i = 0; i < TEXT_LAYERS; i++) {
            String p = t + "encoder.layer." + i + ".";
            for (String a : new String[] {"attention.", "crossattention."}) {
                lin(m, w, p + a + "self.query", WIDTH, WIDTH);
                lin(m, w, p + a + "self.key", WIDTH, WIDTH);
                lin(m, w, p + a + "self.value", WIDTH, WIDTH);
                lin(m, w, p + a + "output.dense", WIDTH, WIDTH);
                ln(m, w, p + a + "output.LayerNorm");
            }
            lin(m, w, p + "intermediate.dense", 2 * WIDTH, WIDTH);
            lin(m, w, p + "output.dense", WIDTH, 2 * WIDTH);
            ln(m, w, p + "output.LayerNorm");
        }
        lin(m, w, "vision_proj", 32, WIDTH);
        lin(m, w, "text_proj", 32, WIDTH);
        lin(m, w, "itm_head", 2, WIDTH);
        return w;
    }

    /** {@code config.json} for these weights. */
    public static String config() {
        return "{\"vision_config\": {\"num_attention_heads\": 2, \"layer_norm_eps\": 1e-5},"
                + " \"text_config\": {\"num_attention_heads\": 2, \"layer_norm_eps\": 1e-12}}";
    }

    /** Random texts: [CLS] words [SEP], lengths 4..lengthMax, padded with 0. */
    public static TextBatch texts(long seed, int b, int padTo) {
        Random rnd = new Random(seed);
        long[][] ids = new long[b][padTo];
        long[][] mask = new long[b][padTo];
        for (int i = 0; i < b; i++) {
            int len = 4 + rnd.nextInt(padTo - 4);
            ids[i][0] = 2;
            mask[i][0] = 1;
            for (int j = 1; j < len; j++) {
                ids[i][j] = j == len - 1 ? 3 : 4 + rnd.nextInt(VOCAB - 4);
                mask[i][j] = 1;
            }
        }
        return new TextBatch(ids, mask);
    }

    private static void lin(NDManager m, Map<String, NDArray> w, String p, int out, int in) {
        w.put(p + ".weight", r(m, out, in).mul((float) (1.0 / Math.sqrt(in))));
        w.put(p + ".bias", r(m, out).mul(0.05f));
    }

    private static void ln(NDManager m, Map<String, NDArray> w, String p) {
        w.put(p + ".weight", r(m, WIDTH).mul(0.1f).add(1f));
        w.put(p + ".bias", r(m, WIDTH).mul(0.1f));
    }

    private static NDArray r(NDManager m, long... dims) {
        return m.randomNormal(new Shape(dims));
    }
}
