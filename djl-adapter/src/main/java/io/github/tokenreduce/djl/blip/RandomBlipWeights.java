package io.github.tokenreduce.djl.blip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random BLIP retrieval parameters in Hugging Face naming (ViT image encoder with patch 16, BERT text
 * encoder with cross-attention, ITC projections, ITM head), for speed measurements and tests: no
 * download, any size. Values are drawn from the engine's random generator in a fixed order, so a seed
 * set before the call gives the same weights every time.
 */
public final class RandomBlipWeights {

    private static final int PATCH = 16;

    /**
     * The sizes of a BLIP (the heads are not in the weights: {@code config.json} or width / 64).
     *
     * @param width image and text width
     * @param visionLayers ViT blocks
     * @param textLayers BERT layers
     * @param mlp feed-forward width of both encoders
     * @param image image side in pixels (patch 16)
     * @param vocab vocabulary
     * @param positions text position embeddings
     * @param embed ITC projection width
     */
    public record Geometry(int width, int visionLayers, int textLayers, int mlp, int image, int vocab, int positions,
            int embed) {

        /** Image tokens: patches plus [CLS]. */
        public int tokens() {
            return (image / PATCH) * (image / PATCH) + 1;
        }
    }

    /** BLIP base: ViT-B/16 at 384 px (577 tokens) and BERT-base, ITC width 256. */
    public static final Geometry BASE = new Geometry(768, 12, 12, 3072, 384, 30524, 512, 256);

    /** How the values are drawn. */
    public enum Values {
        /** At a trained model's scale: weights and embeddings N(0, 0.02²), zero biases, unit norms. */
        TRAINED_SCALE,
        /**
         * Every parameter random, so every path carries signal: linear weights N(0, 1/in), biases
         * N(0, 0.05²), norms 1 ± N(0, 0.1²), embeddings N(0, 1), the patch projection N(0, 0.1²).
         */
        ALL_RANDOM
    }

    private final NDManager m;
    private final Geometry g;
    private final Values values;
    private final Map<String, NDArray> w = new LinkedHashMap<>();

    private RandomBlipWeights(NDManager m, Geometry g, Values values) {
        this.m = m;
        this.g = g;
        this.values = values;
    }

    /** BLIP base at a trained model's scale, for speed measurements. */
    public static Map<String, NDArray> base(NDManager m) {
        return generate(m, BASE, Values.TRAINED_SCALE);
    }

    /** Random parameters of geometry {@code g} on {@code m}, drawn as {@code values} says. */
    public static Map<String, NDArray> generate(NDManager m, Geometry g, Values values) {
        return new RandomBlipWeights(m, g, values).build();
    }

    private Map<String, NDArray> build() {
        int c = g.width();
        String v = "vision_model.";
        w.put(v + "embeddings.class_embedding", embedding(1, 1, c));
        w.put(v + "embeddings.patch_embedding.weight", values == Values.ALL_RANDOM
                ? normal(c, 3, PATCH, PATCH).mul(0.1f) : embedding(c, 3, PATCH, PATCH));
        w.put(v + "embeddings.patch_embedding.bias", values == Values.ALL_RANDOM
                ? normal(c).mul(0.1f) : m.zeros(new Shape(c)));
        w.put(v + "embeddings.position_embedding", embedding(1, g.tokens(), c));
        for (int i = 0; i < g.visionLayers(); i++) {
            String p = v + "encoder.layers." + i + ".";
            norm(p + "layer_norm1");
            linear(p + "self_attn.qkv", 3 * c, c);
            linear(p + "self_attn.projection", c, c);
            norm(p + "layer_norm2");
            linear(p + "mlp.fc1", g.mlp(), c);
            linear(p + "mlp.fc2", c, g.mlp());
        }
        norm(v + "post_layernorm");
        String t = "text_encoder.";
        w.put(t + "embeddings.word_embeddings.weight", embedding(g.vocab(), c));
        w.put(t + "embeddings.position_embeddings.weight", embedding(g.positions(), c));
        norm(t + "embeddings.LayerNorm");
        for (int i = 0; i < g.textLayers(); i++) {
            String p = t + "encoder.layer." + i + ".";
            for (String a : new String[] {"attention.", "crossattention."}) {
                linear(p + a + "self.query", c, c);
                linear(p + a + "self.key", c, c);
                linear(p + a + "self.value", c, c);
                linear(p + a + "output.dense", c, c);
                norm(p + a + "output.LayerNorm");
            }
            linear(p + "intermediate.dense", g.mlp(), c);
            linear(p + "output.dense", c, g.mlp());
            norm(p + "output.LayerNorm");
        }
        linear("vision_proj", g.embed(), c);
        linear("text_proj", g.embed(), c);
        linear("itm_head", 2, c);
        return w;
    }

    private void linear(String p, int out, int in) {
        if (values == Values.ALL_RANDOM) {
            w.put(p + ".weight", normal(out, in).mul((float) (1.0 / Math.sqrt(in))));
            w.put(p + ".bias", normal(out).mul(0.05f));
        } else {
            w.put(p + ".weight", embedding(out, in));
            w.put(p + ".bias", m.zeros(new Shape(out)));
        }
    }

    private void norm(String p) {
        int c = g.width();
        if (values == Values.ALL_RANDOM) {
            w.put(p + ".weight", normal(c).mul(0.1f).add(1f));
            w.put(p + ".bias", normal(c).mul(0.1f));
        } else {
            w.put(p + ".weight", m.ones(new Shape(c)));
            w.put(p + ".bias", m.zeros(new Shape(c)));
        }
    }

    /** An embedding-like tensor: N(0, 1) for {@link Values#ALL_RANDOM}, else N(0, 0.02²). */
    private NDArray embedding(long... dims) {
        return values == Values.ALL_RANDOM ? normal(dims) : m.randomNormal(0f, 0.02f, new Shape(dims), DataType.FLOAT32);
    }

    private NDArray normal(long... dims) {
        return m.randomNormal(new Shape(dims));
    }
}
