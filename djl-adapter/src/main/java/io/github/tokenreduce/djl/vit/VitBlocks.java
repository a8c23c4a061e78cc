package io.github.tokenreduce.djl.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.nn.AttentionWeights;
import io.github.tokenreduce.djl.nn.BlockWeights;
import io.github.tokenreduce.djl.nn.LayerNormWeights;
import io.github.tokenreduce.djl.weights.WeightStore;

import java.util.ArrayList;
import java.util.List;

/**
 * The two namings of a pre-LN ViT block, shared by every model built on ViT blocks (ViT/DeiT,
 * ViLT): timm's ({@code norm1}, fused {@code attn.qkv}, {@code attn.proj}, {@code norm2},
 * {@code mlp.fc1/fc2}, LayerScale {@code ls1/ls2.gamma}) and Hugging Face's
 * ({@code layernorm_before}, {@code attention.attention.query/key/value},
 * {@code attention.output.dense}, {@code layernorm_after}, {@code intermediate.dense},
 * {@code output.dense}).
 */
public final class VitBlocks {

    private VitBlocks() {}

    /**
     * timm blocks {@code prefix + N + ".*"}; a missing qkv bias ({@code qkv_bias=False}) is zero.
     *
     * @param manager where a zero bias is created
     */
    public static List<BlockWeights> timm(WeightStore s, String prefix, int layers, int w, int mlp, int heads,
            float eps, NDManager manager) {
        List<BlockWeights> blocks = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            NDArray qkv = s.take(p + "attn.qkv.weight", 3L * w, w);
            NDArray qkvB = s.has(p + "attn.qkv.bias") ? s.take(p + "attn.qkv.bias", 3L * w)
                    : manager.zeros(new Shape(3L * w));
            NDArray o = s.take(p + "attn.proj.weight", w, w);
            NDArray ob = s.take(p + "attn.proj.bias", w);
            AttentionWeights att = WeightStore.anyMissing(qkv, qkvB, o, ob) ? null
                    : AttentionWeights.ofFused(qkv, qkvB, o, ob, heads);
            blocks.add(new BlockWeights(LayerNormWeights.take(s, p + "norm1", w, eps), att,
                    LayerNormWeights.take(s, p + "norm2", w, eps),
                    s.takeTransposed(p + "mlp.fc1.weight", mlp, w), s.take(p + "mlp.fc1.bias", mlp),
                    s.takeTransposed(p + "mlp.fc2.weight", w, mlp), s.take(p + "mlp.fc2.bias", w),
                    s.has(p + "ls1.gamma") ? s.take(p + "ls1.gamma", w) : null,
                    s.has(p + "ls2.gamma") ? s.take(p + "ls2.gamma", w) : null));
        }
        return blocks;
    }

    /** Hugging Face blocks {@code prefix + N + ".*"} (e.g. {@code vit.encoder.layer.}). */
    public static List<BlockWeights> huggingFace(WeightStore s, String prefix, int layers, int w, int mlp, int heads,
            float eps) {
        List<BlockWeights> blocks = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            String a = p + "attention.attention.";
            NDArray q = s.take(a + "query.weight", w, w);
            NDArray qb = s.take(a + "query.bias", w);
            NDArray k = s.take(a + "key.weight", w, w);
            NDArray kb = s.take(a + "key.bias", w);
            NDArray v = s.take(a + "value.weight", w, w);
            NDArray vb = s.take(a + "value.bias", w);
            NDArray ow = s.take(p + "attention.output.dense.weight", w, w);
            NDArray ob = s.take(p + "attention.output.dense.bias", w);
            AttentionWeights att = WeightStore.anyMissing(q, qb, k, kb, v, vb, ow, ob) ? null
                    : AttentionWeights.ofSeparate(q, qb, k, kb, v, vb, ow, ob, heads);
            blocks.add(new BlockWeights(LayerNormWeights.take(s, p + "layernorm_before", w, eps), att,
                    LayerNormWeights.take(s, p + "layernorm_after", w, eps),
                    s.takeTransposed(p + "intermediate.dense.weight", mlp, w), s.take(p + "intermediate.dense.bias", mlp),
                    s.takeTransposed(p + "output.dense.weight", w, mlp), s.take(p + "output.dense.bias", w)));
        }
        return blocks;
    }
}
