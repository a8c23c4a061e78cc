package io.github.tokenreduce.djl.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random CLIP parameters in OpenAI naming (both towers, projections, logit scale), for speed
 * measurements and tests: no download, any size. Values are drawn from the engine's random
 * generator in a fixed order, so a seed set before the call gives the same weights every time.
 */
public final class RandomClipWeights {

    /**
     * The sizes of a CLIP.
     *
     * @param visionWidth image tower width
     * @param visionLayers image tower blocks
     * @param patch patch size
     * @param image image side in pixels
     * @param textWidth text tower width
     * @param textLayers text tower blocks
     * @param context text positions
     * @param vocab vocabulary
     * @param embed joint embedding width
     * @param mlpRatio MLP width over tower width
     */
    public record Geometry(int visionWidth, int visionLayers, int patch, int image, int textWidth, int textLayers,
            int context, int vocab, int embed, int mlpRatio) {

        /** Image tokens: patches plus the class token. */
        public int tokens() {
            return (image / patch) * (image / patch) + 1;
        }
    }

    /** CLIP ViT-B/16: 224 px, width 768 and 12 blocks per image tower, text width 512, embedding 512. */
    public static final Geometry VIT_B16 = new Geometry(768, 12, 16, 224, 512, 12, 77, 49408, 512, 4);

    /** How the values are drawn. */
    public enum Values {
        /** At a trained model's scale: weights and embeddings N(0, 0.02²), zero biases, unit norms. */
        TRAINED_SCALE,
        /**
         * Every parameter random, so every path carries signal: embeddings N(0, 1), norms
         * 1 ± N(0, 0.1²), biases N(0, 0.1²), attention and first MLP weights N(0, 0.15²), second MLP
         * weights and the patch projection N(0, 0.1²), the output projections N(0, 0.2²).
         */
        ALL_RANDOM
    }

    private final NDManager m;
    private final Values values;
    private final Map<String, NDArray> w = new LinkedHashMap<>();

    private RandomClipWeights(NDManager m, Values values) {
        this.m = m;
        this.values = values;
    }

    /** CLIP ViT-B/16 at a trained model's scale, for speed measurements. */
    public static Map<String, NDArray> vitB16(NDManager m) {
        return generate(m, VIT_B16, Values.TRAINED_SCALE);
    }

    /** Random parameters of geometry {@code g} on {@code m}, drawn as {@code values} says. */
    public static Map<String, NDArray> generate(NDManager m, Geometry g, Values values) {
        return new RandomClipWeights(m, values).build(g);
    }

    private Map<String, NDArray> build(Geometry g) {
        int vw = g.visionWidth();
        int tw = g.textWidth();
        boolean all = values == Values.ALL_RANDOM;
        w.put("visual.class_embedding", embedding(vw));
        w.put("visual.conv1.weight", scaled(0.1f, vw, 3, g.patch(), g.patch()));
        w.put("visual.positional_embedding", embedding(g.tokens(), vw));
        norm("visual.ln_pre", vw);
        blocks("visual.transformer.resblocks.", g.visionLayers(), vw, g.mlpRatio() * vw);
        norm("visual.ln_post", vw);
        w.put("visual.proj", scaled(0.2f, vw, g.embed()));
        w.put("token_embedding.weight", embedding(g.vocab(), tw));
        w.put("positional_embedding", embedding(g.context(), tw));
        blocks("transformer.resblocks.", g.textLayers(), tw, g.mlpRatio() * tw);
        norm("ln_final", tw);
        w.put("text_projection", scaled(0.2f, tw, g.embed()));
        w.put("logit_scale", m.create(all ? 2.6592f : 4.6052f));
        return w;
    }

    private void blocks(String prefix, int layers, int width, int mlp) {
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            norm(p + "ln_1", width);
            w.put(p + "attn.in_proj_weight", scaled(0.15f, 3L * width, width));
            w.put(p + "attn.in_proj_bias", bias(3L * width));
            w.put(p + "attn.out_proj.weight", scaled(0.15f, width, width));
            w.put(p + "attn.out_proj.bias", bias(width));
            norm(p + "ln_2", width);
            w.put(p + "mlp.c_fc.weight", scaled(0.15f, mlp, width));
            w.put(p + "mlp.c_fc.bias", bias(mlp));
            w.put(p + "mlp.c_proj.weight", scaled(0.1f, width, mlp));
            w.put(p + "mlp.c_proj.bias", bias(width));
        }
    }

    private void norm(String p, int width) {
        if (values == Values.ALL_RANDOM) {
            w.put(p + ".weight", normal(width).mul(0.1f).add(1f));
            w.put(p + ".bias", normal(width).mul(0.1f));
        } else {
            w.put(p + ".weight", m.ones(new Shape(width)));
            w.put(p + ".bias", m.zeros(new Shape(width)));
        }
    }

    private NDArray bias(long n) {
        return values == Values.ALL_RANDOM ? normal(n).mul(0.1f) : m.zeros(new Shape(n));
    }

    /** A weight: N(0, scale²) for {@link Values#ALL_RANDOM}, else N(0, 0.02²). */
    private NDArray scaled(float scale, long... dims) {
        return values == Values.ALL_RANDOM ? normal(dims).mul(scale) : trained(dims);
    }

    /** An embedding: N(0, 1) for {@link Values#ALL_RANDOM}, else N(0, 0.02²). */
    private NDArray embedding(long... dims) {
        return values == Values.ALL_RANDOM ? normal(dims) : trained(dims);
    }

    private NDArray trained(long... dims) {
        return m.randomNormal(0f, 0.02f, new Shape(dims), DataType.FLOAT32);
    }

    private NDArray normal(long... dims) {
        return m.randomNormal(new Shape(dims));
    }
}
