package io.github.tokenreduce.djl.vit;

import io.github.tokenreduce.djl.nn.Activation;

import java.util.List;

/**
 * Plain ViT / DeiT classifier geometry, read from {@code config.json} or inferred from the tensors.
 *
 * @param width transformer width C
 * @param layers blocks
 * @param heads attention heads
 * @param mlp MLP width
 * @param patch patch size
 * @param imageSize input resolution (square)
 * @param classes classifier outputs (0: features only)
 * @param eps LayerNorm epsilon (timm 1e-6; Hugging Face from {@code layer_norm_eps})
 * @param activation MLP activation (exact GELU)
 * @param distilled whether a DeiT distillation token sits at index 1 (with its own head)
 * @param registers register tokens after the class (and distillation) token
 * @param pooling how the classifier reads the tokens
 * @param labels class names ({@code id2label}), or empty
 */
public record VitConfig(int width, int layers, int heads, int mlp, int patch, int imageSize, int classes,
        float eps, Activation activation, boolean distilled, int registers, Pooling pooling, List<String> labels) {

    /** How the classifier reads the output tokens. */
    public enum Pooling {
        /** The class token after the final norm (timm {@code global_pool='token'}, Hugging Face). */
        TOKEN,
        /**
         * The size-weighted mean of the patch tokens (prefix tokens excluded), then {@code fc_norm}
         * (timm {@code global_pool='avg'}); exact under merges, as each token stands for its size.
         */
        AVG
    }

    /** Prefix tokens: class, distillation and register tokens. */
    public int prefixTokens() {
        return 1 + (distilled ? 1 : 0) + registers;
    }

    /** Tokens entering the first block. */
    public int tokens() {
        int g = imageSize / patch;
        return prefixTokens() + g * g;
    }
}
