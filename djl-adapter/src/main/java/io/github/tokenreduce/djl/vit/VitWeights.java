package io.github.tokenreduce.djl.vit;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.nn.LayerNormWeights;
import io.github.tokenreduce.djl.nn.VisionWeights;

/**
 * A ViT classifier's parameters (matrices transposed for {@code x · W}).
 *
 * @param tower the image tower (final norm {@code norm}, absent with average pooling)
 * @param fcNorm the norm after average pooling ({@code fc_norm}), or null
 * @param headT classifier [C, K], or null (features only)
 * @param headB its bias [K]
 * @param headDistT DeiT's distillation head [C, K], or null
 * @param headDistB its bias
 */
public record VitWeights(VisionWeights tower, LayerNormWeights fcNorm, NDArray headT, NDArray headB,
        NDArray headDistT, NDArray headDistB) {}
