package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Random CLIP parameters of a given geometry in OpenAI naming, scaled like a trained model's
 * (unit layer norms, weights of std 0.02), for speed measurements that need no checkpoint.
 */
public final class RandomClipWeights {

    private RandomClipWeights() {}

    public static Map<String, NDArray> vitB16(NDManager m) {
        return make(m, 768, 12, 16, 224, 512, 12, 77, 49408, 512);
    }

    public static Map<String, NDArray> make(NDManager m, int vw, int vl, int patch, int image, int tw, int tl,
            int ctx, int vocab, int embed) {
        Map<String, NDArray> w = new LinkedHashMap<>();
        int tokens = (image / patch) * (image / patch) + 1;
        w.put("visual.class_embedding", r(m, vw));
        w.put("visual.conv1.weight", r(m, vw, 3, patch, patch));
        w.put("visual.positional_embedding", r(m, tokens, vw));
        ln(m, w, "visual.ln_pre", vw);
        blocks(m, w, "visual.transformer.resblocks.", vl, vw);
        ln(m, w, "visual.ln_post", vw);
        w.put("visual.proj", r(m, vw, embed));
        w.put("token_embedding.weight", r(m, vocab, tw));
        w.put("positional_embedding", r(m, ctx, tw));
        blocks(m, w, "transformer.resblocks.", tl, tw);
        ln(m, w, "ln_final", tw);
        w.put("text_projection", r(m, tw, embed));
        w.put("logit_scale", m.create(4.6052f));
        return w;
    }

    private static void blocks(NDManager m, Map<String, NDArray> w, String prefix, int layers, int width) {
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            ln(m, w, p + "ln_1", width);
            w.put(p + "attn.in_proj_weight", r(m, 3L * width, width));
            w.put(p + "attn.in_proj_bias", m.zeros(new Shape(3L * width)));
            w.put(p + "attn.out_proj.weight", r(m, width, width));
            w.put(p + "attn.out_proj.bias", m.zeros(new Shape(width)));
            ln(m, w, p + "ln_2", width);
            w.put(p + "mlp.c_fc.weight", r(m, 4L * width, width));
            w.put(p + "mlp.c_fc.bias", m.zeros(new Shape(4L * width)));
            w.put(p + "mlp.c_proj.weight", r(m, width, 4L * width));
            w.put(p + "mlp.c_proj.bias", m.zeros(new Shape(width)));
        }
    }

    private static void ln(NDManager m, Map<String, NDArray> w, String p, int width) {
        w.put(p + ".weight", m.ones(new Shape(width)));
        w.put(p + ".bias", m.zeros(new Shape(width)));
    }

    private static NDArray r(NDManager m, long... dims) {
        return m.randomNormal(0f, 0.02f, new Shape(dims), ai.djl.ndarray.types.DataType.FLOAT32);
    }
}
