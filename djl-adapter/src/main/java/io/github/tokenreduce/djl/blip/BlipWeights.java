package io.github.tokenreduce.djl.blip;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.nn.BertLayerWeights;
import io.github.tokenreduce.djl.nn.LayerNormWeights;
import io.github.tokenreduce.djl.nn.VisionWeights;

import java.util.List;

/**
 * BLIP retrieval parameters in one layout (matrices transposed for {@code x · W}).
 *
 * @param vision the ViT image tower ({@code post_layernorm} as its final norm)
 * @param words word embeddings [V, Wt]
 * @param textPositions [P, Wt]
 * @param embeddingLn embedding norm
 * @param textLayers BERT layers with cross-attention
 * @param visionProjT ITC image projection [Wv, E]
 * @param visionProjB its bias
 * @param textProjT ITC text projection [Wt, E]
 * @param textProjB its bias
 * @param itmT ITM head [Wt, 2]
 * @param itmB its bias
 * @param madtpDictionary MADTP's learned dictionary ({@code space_dict}, [M, C]), or null
 */
public record BlipWeights(VisionWeights vision, NDArray words, NDArray textPositions,
        LayerNormWeights embeddingLn, List<BertLayerWeights> textLayers, NDArray visionProjT, NDArray visionProjB,
        NDArray textProjT, NDArray textProjB, NDArray itmT, NDArray itmB, NDArray madtpDictionary) {}
