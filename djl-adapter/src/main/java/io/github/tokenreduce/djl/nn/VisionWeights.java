package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * A ViT image tower's parameters (plain ViT/DeiT, CLIP's and BLIP's vision towers), matrices stored
 * transposed for {@code x · W}.
 *
 * @param patchT patch embedding as a matrix [3·P·P, C] (the stride-P convolution)
 * @param patchB its bias [C], or null (CLIP has none)
 * @param patch patch size P
 * @param imageSize input resolution (square)
 * @param cls class token [C]
 * @param extraPrefix further prefix tokens after the class token, [E, C] (DeiT's distillation
 *     token, register tokens), or null
 * @param positions position embeddings: [1 + E + G², C] added after the prefix tokens are
 *     prepended, or [G², C] added to the patches only (timm {@code no_embed_class})
 * @param lnPre norm before the blocks (CLIP {@code ln_pre}), or null
 * @param blocks pre-LN blocks
 * @param finalNorm norm applied to every output token (ViT {@code norm}, BLIP
 *     {@code post_layernorm}, CLIP {@code ln_post}), or null
 */
public record VisionWeights(NDArray patchT, NDArray patchB, int patch, int imageSize, NDArray cls,
        NDArray extraPrefix, NDArray positions, LayerNormWeights lnPre, List<BlockWeights> blocks,
        LayerNormWeights finalNorm) {

    /** Patches per side. */
    public int grid() {
        return imageSize / patch;
    }

    /** Class token plus extra prefix tokens. */
    public int prefixTokens() {
        return 1 + (extraPrefix == null ? 0 : (int) extraPrefix.getShape().get(0));
    }

    /** Tokens entering the first block (prefix plus patches), without a cross token. */
    public int tokens() {
        return prefixTokens() + grid() * grid();
    }
}
