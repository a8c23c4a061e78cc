package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.weights.WeightStore;

import java.util.ArrayList;
import java.util.List;

/**
 * How each checkpoint naming calls the parameters of a pre-LN transformer block, as one table, and the
 * one reader that builds {@link BlockWeights} from any row of it. Names are relative to a block's
 * prefix ({@code blocks.N.}); norms and linear layers are modules ({@code .weight} and {@code .bias}
 * follow), a fused q/k/v projection is named by its two tensors.
 *
 * <table>
 *   <caption>The namings</caption>
 *   <tr><th>row</th><th>norms</th><th>attention</th><th>output</th><th>MLP</th><th>LayerScale</th></tr>
 *   <tr><td>{@link #TIMM}</td><td>norm1, norm2</td><td>attn.qkv (bias may be absent: zero)</td>
 *       <td>attn.proj</td><td>mlp.fc1, mlp.fc2</td><td>ls1.gamma, ls2.gamma</td></tr>
 *   <tr><td>{@link #LAVIS}</td><td>norm1, norm2</td><td>attn.qkv</td><td>attn.proj</td>
 *       <td>mlp.fc1, mlp.fc2</td><td>none</td></tr>
 *   <tr><td>{@link #OPENAI}</td><td>ln_1, ln_2</td><td>attn.in_proj_weight / _bias</td>
 *       <td>attn.out_proj</td><td>mlp.c_fc, mlp.c_proj</td><td>ls_1.gamma, ls_2.gamma (OpenCLIP)</td></tr>
 *   <tr><td>{@link #HF_VIT}</td><td>layernorm_before, layernorm_after</td>
 *       <td>attention.attention.query / key / value</td><td>attention.output.dense</td>
 *       <td>intermediate.dense, output.dense</td><td>none</td></tr>
 *   <tr><td>{@link #HF_CLIP}</td><td>layer_norm1, layer_norm2</td><td>self_attn.q_proj / k_proj / v_proj</td>
 *       <td>self_attn.out_proj</td><td>mlp.fc1, mlp.fc2</td><td>none</td></tr>
 *   <tr><td>{@link #HF_BLIP}</td><td>layer_norm1, layer_norm2</td><td>self_attn.qkv</td>
 *       <td>self_attn.projection</td><td>mlp.fc1, mlp.fc2</td><td>none</td></tr>
 * </table>
 *
 * @param name the naming, for messages
 * @param norm1 the LayerNorm before attention
 * @param norm2 the LayerNorm before the MLP
 * @param qkvWeight the fused q/k/v weight [3C, C], or null when q, k and v are separate
 * @param qkvBias the fused q/k/v bias [3C], or null when separate
 * @param query the query projection when separate, else null
 * @param key the key projection when separate, else null
 * @param value the value projection when separate, else null
 * @param out the attention's output projection
 * @param fc1 the MLP's first linear layer
 * @param fc2 the MLP's second linear layer
 * @param scale1 LayerScale after attention [C] (read when present), or null when the naming has none
 * @param scale2 LayerScale after the MLP [C], or null
 * @param zeroQkvBias whether a missing fused q/k/v bias is zero ({@code qkv_bias=False}) rather than an error
 */
public record BlockNaming(String name, String norm1, String norm2, String qkvWeight, String qkvBias, String query,
        String key, String value, String out, String fc1, String fc2, String scale1, String scale2,
        boolean zeroQkvBias) {

    /** timm's ViT/DeiT blocks (also ViLT's original checkpoints). */
    public static final BlockNaming TIMM = new BlockNaming("timm", "norm1", "norm2", "attn.qkv.weight",
            "attn.qkv.bias", null, null, null, "attn.proj", "mlp.fc1", "mlp.fc2", "ls1.gamma", "ls2.gamma", true);
    /** The original BLIP / LAVIS ViT blocks ({@code visual_encoder.blocks.N.}). */
    public static final BlockNaming LAVIS = new BlockNaming("BLIP / LAVIS", "norm1", "norm2", "attn.qkv.weight",
            "attn.qkv.bias", null, null, null, "attn.proj", "mlp.fc1", "mlp.fc2", null, null, false);
    /** OpenAI CLIP and OpenCLIP residual blocks ({@code transformer.resblocks.N.}). */
    public static final BlockNaming OPENAI = new BlockNaming("OpenAI", "ln_1", "ln_2", "attn.in_proj_weight",
            "attn.in_proj_bias", null, null, null, "attn.out_proj", "mlp.c_fc", "mlp.c_proj", "ls_1.gamma",
            "ls_2.gamma", false);
    /** Hugging Face {@code ViTModel} / {@code DeiTModel} / {@code ViltModel} layers ({@code encoder.layer.N.}). */
    public static final BlockNaming HF_VIT = new BlockNaming("Hugging Face ViT", "layernorm_before", "layernorm_after",
            null, null, "attention.attention.query", "attention.attention.key", "attention.attention.value",
            "attention.output.dense", "intermediate.dense", "output.dense", null, null, false);
    /** Hugging Face {@code CLIPModel} layers ({@code encoder.layers.N.}). */
    public static final BlockNaming HF_CLIP = new BlockNaming("Hugging Face CLIP", "layer_norm1", "layer_norm2", null,
            null, "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "mlp.fc1",
            "mlp.fc2", null, null, false);
    /** Hugging Face {@code BlipModel} vision layers ({@code vision_model.encoder.layers.N.}). */
    public static final BlockNaming HF_BLIP = new BlockNaming("Hugging Face BLIP", "layer_norm1", "layer_norm2",
            "self_attn.qkv.weight", "self_attn.qkv.bias", null, null, null, "self_attn.projection", "mlp.fc1",
            "mlp.fc2", null, null, false);

    public BlockNaming {
        if ((qkvWeight == null) == (query == null) || (qkvWeight == null) != (qkvBias == null)
                || (query == null) != (key == null) || (query == null) != (value == null)) {
            throw new IllegalArgumentException("naming " + name + ": give either the fused q/k/v tensors or the "
                    + "separate query, key and value modules");
        }
    }

    /** The MLP's first weight of block {@code prefix + "0."}, the tensor whose rows give the MLP width. */
    public String fc1Weight(String prefix) {
        return prefix + "0." + fc1 + ".weight";
    }

    /**
     * Blocks {@code prefix + N + "."} for N below {@code layers}, each of width {@code w}, MLP width
     * {@code mlp}, {@code heads} heads and LayerNorm epsilon {@code eps}. What is missing or misshaped
     * is recorded in the store (its {@code finish} reports it), and that block's part is null.
     */
    public List<BlockWeights> read(WeightStore s, String prefix, int layers, int w, int mlp, int heads, float eps) {
        List<BlockWeights> blocks = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            AttentionWeights att = qkvWeight != null ? fused(s, p, w, heads) : separate(s, p, w, heads);
            blocks.add(new BlockWeights(LayerNormWeights.take(s, p + norm1, w, eps), att,
                    LayerNormWeights.take(s, p + norm2, w, eps),
                    s.takeTransposed(p + fc1 + ".weight", mlp, w), s.take(p + fc1 + ".bias", mlp),
                    s.takeTransposed(p + fc2 + ".weight", w, mlp), s.take(p + fc2 + ".bias", w),
                    scale(s, p, scale1, w), scale(s, p, scale2, w)));
        }
        return blocks;
    }

    private AttentionWeights fused(WeightStore s, String p, int w, int heads) {
        NDArray qkv = s.take(p + qkvWeight, 3L * w, w);
        NDArray qkvB = s.has(p + qkvBias) || !zeroQkvBias ? s.take(p + qkvBias, 3L * w)
                : qkv == null ? null : qkv.getManager().zeros(new Shape(3L * w));
        NDArray o = s.take(p + out + ".weight", w, w);
        NDArray ob = s.take(p + out + ".bias", w);
        return WeightStore.anyMissing(qkv, qkvB, o, ob) ? null : AttentionWeights.ofFused(qkv, qkvB, o, ob, heads);
    }

    private AttentionWeights separate(WeightStore s, String p, int w, int heads) {
        NDArray q = s.take(p + query + ".weight", w, w);
        NDArray qb = s.take(p + query + ".bias", w);
        NDArray k = s.take(p + key + ".weight", w, w);
        NDArray kb = s.take(p + key + ".bias", w);
        NDArray v = s.take(p + value + ".weight", w, w);
        NDArray vb = s.take(p + value + ".bias", w);
        NDArray o = s.take(p + out + ".weight", w, w);
        NDArray ob = s.take(p + out + ".bias", w);
        return WeightStore.anyMissing(q, qb, k, kb, v, vb, o, ob) ? null
                : AttentionWeights.ofSeparate(q, qb, k, kb, v, vb, o, ob, heads);
    }

    private static NDArray scale(WeightStore s, String p, String name, int w) {
        return name != null && s.has(p + name) ? s.take(p + name, w) : null;
    }
}
