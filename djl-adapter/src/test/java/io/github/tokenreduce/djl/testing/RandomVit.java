package io.github.tokenreduce.djl.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small random ViT classifier in timm naming (width 48, 2 heads, 2 blocks, MLP 96, patch 16,
 * 64 px: 16 patches, 5 classes), with optional DeiT distillation token, register tokens,
 * LayerScale, average pooling with {@code fc_norm}, and position embeddings on the patches only;
 * and its Hugging Face {@code ViTForImageClassification} renaming.
 */
public final class RandomVit {

    public static final int WIDTH = 48;
    public static final int HEADS = 2;
    public static final int LAYERS = 2;
    public static final int MLP = 96;
    public static final int PATCH = 16;
    public static final int IMAGE = 64;
    public static final int CLASSES = 5;

    /** Checkpoint features. */
    public record Features(boolean distilled, int registers, boolean layerScale, boolean avgPool,
            boolean posOnPatches) {
        public static final Features PLAIN = new Features(false, 0, false, false, false);
    }

    private RandomVit() {}

    /** Random timm-named parameters. */
    public static Map<String, NDArray> timm(NDManager m, long seed, Features f) {
        return timm(m, seed, f, LAYERS);
    }

    /** Random timm-named parameters with {@code layers} blocks. */
    public static Map<String, NDArray> timm(NDManager m, long seed, Features f, int layers) {
        m.getEngine().setRandomSeed((int) seed);
        int patches = (IMAGE / PATCH) * (IMAGE / PATCH);
        int prefix = 1 + (f.distilled() ? 1 : 0) + f.registers();
        Map<String, NDArray> w = new LinkedHashMap<>();
        w.put("cls_token", r(m, 1, 1, WIDTH).mul(0.2f));
        if (f.distilled()) {
            w.put("dist_token", r(m, 1, 1, WIDTH).mul(0.2f));
        }
        if (f.registers() > 0) {
            w.put("reg_token", r(m, 1, f.registers(), WIDTH).mul(0.2f));
        }
        w.put("pos_embed", r(m, 1, f.posOnPatches() ? patches : patches + prefix, WIDTH).mul(0.2f));
        w.put("patch_embed.proj.weight", r(m, WIDTH, 3, PATCH, PATCH).mul(0.03f));
        w.put("patch_embed.proj.bias", r(m, WIDTH).mul(0.02f));
        for (int i = 0; i < layers; i++) {
            String p = "blocks." + i + ".";
            ln(m, w, p + "norm1");
            w.put(p + "attn.qkv.weight", r(m, 3 * WIDTH, WIDTH).mul(0.3f));
            w.put(p + "attn.qkv.bias", r(m, 3 * WIDTH).mul(0.02f));
            w.put(p + "attn.proj.weight", r(m, WIDTH, WIDTH).mul(0.15f));
            w.put(p + "attn.proj.bias", r(m, WIDTH).mul(0.02f));
            if (f.layerScale()) {
                w.put(p + "ls1.gamma", r(m, WIDTH).mul(0.3f));
            }
            ln(m, w, p + "norm2");
            w.put(p + "mlp.fc1.weight", r(m, MLP, WIDTH).mul(0.15f));
            w.put(p + "mlp.fc1.bias", r(m, MLP).mul(0.02f));
            w.put(p + "mlp.fc2.weight", r(m, WIDTH, MLP).mul(0.1f));
            w.put(p + "mlp.fc2.bias", r(m, WIDTH).mul(0.02f));
            if (f.layerScale()) {
                w.put(p + "ls2.gamma", r(m, WIDTH).mul(0.3f));
            }
        }
        ln(m, w, f.avgPool() ? "fc_norm" : "norm");
        w.put("head.weight", r(m, CLASSES, WIDTH).mul(0.2f));
        w.put("head.bias", r(m, CLASSES).mul(0.02f));
        if (f.distilled()) {
            w.put("head_dist.weight", r(m, CLASSES, WIDTH).mul(0.2f));
            w.put("head_dist.bias", r(m, CLASSES).mul(0.02f));
        }
        return w;
    }

    /** The same parameters in Hugging Face naming (plain or distilled, class token pooling). */
    public static Map<String, NDArray> huggingFace(Map<String, NDArray> t) {
        boolean dist = t.containsKey("dist_token");
        String m = dist ? "deit." : "vit.";
        String e = m + "embeddings.";
        Map<String, NDArray> w = new LinkedHashMap<>();
        w.put(e + "cls_token", t.get("cls_token"));
        if (dist) {
            w.put(e + "distillation_token", t.get("dist_token"));
        }
        w.put(e + "position_embeddings", t.get("pos_embed"));
        w.put(e + "patch_embeddings.projection.weight", t.get("patch_embed.proj.weight"));
        w.put(e + "patch_embeddings.projection.bias", t.get("patch_embed.proj.bias"));
        for (int i = 0; t.containsKey("blocks." + i + ".norm1.weight"); i++) {
            String p = "blocks." + i + ".";
            String q = m + "encoder.layer." + i + ".";
            copy(t, w, p + "norm1", q + "layernorm_before");
            NDList qkv = t.get(p + "attn.qkv.weight").split(3, 0);
            NDList qkvB = t.get(p + "attn.qkv.bias").split(3, 0);
            String[] names = {"query", "key", "value"};
            for (int k = 0; k < 3; k++) {
                w.put(q + "attention.attention." + names[k] + ".weight", qkv.get(k));
                w.put(q + "attention.attention." + names[k] + ".bias", qkvB.get(k));
            }
            copy(t, w, p + "attn.proj", q + "attention.output.dense");
            copy(t, w, p + "norm2", q + "layernorm_after");
            copy(t, w, p + "mlp.fc1", q + "intermediate.dense");
            copy(t, w, p + "mlp.fc2", q + "output.dense");
        }
        copy(t, w, "norm", m + "layernorm");
        copy(t, w, "head", dist ? "cls_classifier" : "classifier");
        if (dist) {
            copy(t, w, "head_dist", "distillation_classifier");
        }
        return w;
    }

    /** HF {@code config.json} content for {@link #huggingFace}. */
    public static String hfConfig() {
        return "{\"hidden_size\": " + WIDTH + ", \"num_hidden_layers\": " + LAYERS + ", \"num_attention_heads\": "
                + HEADS + ", \"intermediate_size\": " + MLP + ", \"hidden_act\": \"gelu\", \"layer_norm_eps\": 1e-6,"
                + " \"image_size\": " + IMAGE + ", \"patch_size\": " + PATCH + ", \"id2label\": {\"0\": \"cat\","
                + " \"1\": \"dog\", \"2\": \"fox\", \"3\": \"owl\", \"4\": \"yak\"}}";
    }

    /** Random normalised pixels [b, 3, 64, 64]. */
    public static NDArray pixels(NDManager m, int b) {
        return m.randomNormal(new Shape(b, 3, IMAGE, IMAGE));
    }

    private static void ln(NDManager m, Map<String, NDArray> w, String p) {
        w.put(p + ".weight", r(m, WIDTH).mul(0.1f).add(1f));
        w.put(p + ".bias", r(m, WIDTH).mul(0.1f));
    }

    private static void copy(Map<String, NDArray> from, Map<String, NDArray> to, String a, String b) {
        to.put(b + ".weight", from.get(a + ".weight"));
        to.put(b + ".bias", from.get(a + ".bias"));
    }

    private static NDArray r(NDManager m, long... dims) {
        return m.randomNormal(new Shape(dims));
    }
}
