package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random BLIP-base retrieval parameters (ViT-B/16 at 384 px: 577 tokens; 12-layer BERT with
 * cross-attention) in Hugging Face naming, scaled like a trained model's, for speed measurements.
 */
public final class RandomBlipWeights {

    private static final int W = 768;

    private RandomBlipWeights() {}

    public static Map<String, NDArray> base(NDManager m) {
        Map<String, NDArray> w = new LinkedHashMap<>();
        String v = "vision_model.";
        w.put(v + "embeddings.class_embedding", r(m, 1, 1, W));
        w.put(v + "embeddings.patch_embedding.weight", r(m, W, 3, 16, 16));
        w.put(v + "embeddings.patch_embedding.bias", m.zeros(new Shape(W)));
        w.put(v + "embeddings.position_embedding", r(m, 1, 577, W));
        for (int i = 0; i < 12; i++) {
            String p = v + "encoder.layers." + i + ".";
            ln(m, w, p + "layer_norm1");
            lin(m, w, p + "self_attn.qkv", 3 * W, W);
            lin(m, w, p + "self_attn.projection", W, W);
            ln(m, w, p + "layer_norm2");
            lin(m, w, p + "mlp.fc1", 4 * W, W);
            lin(m, w, p + "mlp.fc2", W, 4 * W);
        }
        ln(m, w, v + "post_layernorm");
        String t = "text_encoder.";
        w.put(t + "embeddings.word_embeddings.weight", r(m, 30524, W));
        w.put(t + "embeddings.position_embeddings.weight", r(m, 512, W));
        ln(m, w, t + "embeddings.LayerNorm");
        for (int i = 0; i < 12; i++) {
            String p = t + "encoder.layer." + i + ".";
            for (String a : new String[] {"attention.", "crossattention."}) {
                lin(m, w, p + a + "self.query", W, W);
                lin(m, w, p + a + "self.key", W, W);
                lin(m, w, p + a + "self.value", W, W);
                lin(m, w, p + a + "output.dense", W, W);
                ln(m, w, p + a + "output.LayerNorm");
            }
            lin(m, w, p + "intermediate.dense", 4 * W, W);
            lin(m, w, p + "output.dense", W, 4 * W);
            ln(m, w, p + "output.LayerNorm");
        }
        lin(m, w, "vision_proj", 256, W);
        lin(m, w, "text_proj", 256, W);
        lin(m, w, "itm_head", 2, W);
        return w;
    }

    private static void lin(NDManager m, Map<String, NDArray> w, String p, int out, int in) {
        w.put(p + ".weight", r(m, out, in));
        w.put(p + ".bias", m.zeros(new Shape(out)));
    }

    private static void ln(NDManager m, Map<String, NDArray> w, String p) {
        w.put(p + ".weight", m.ones(new Shape(W)));
        w.put(p + ".bias", m.zeros(new Shape(W)));
    }

    private static NDArray r(NDManager m, long... dims) {
        return m.randomNormal(0f, 0.02f, new Shape(dims), DataType.FLOAT32);
    }
}
