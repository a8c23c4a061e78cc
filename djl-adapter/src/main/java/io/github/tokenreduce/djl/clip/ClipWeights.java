package io.github.tokenreduce.djl.clip;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.nn.BlockWeights;
import io.github.tokenreduce.djl.nn.LayerNormWeights;
import io.github.tokenreduce.djl.nn.VisionWeights;

import java.util.List;

/**
 * CLIP's parameters in one canonical layout, whatever the file's naming. Matrices are stored
 * transposed for {@code x · W}.
 *
 * @param vision the image tower (no patch bias; {@code ln_pre}; {@code ln_post} as the final norm)
 * @param visionProjT [Wv, E]
 * @param tokenEmbedding [V, Wt]
 * @param textPositions [context, Wt]
 * @param textBlocks text blocks
 * @param lnFinal text final norm
 * @param textProjT [Wt, E]
 * @param logitScale scalar (log of the logit scale)
 * @param crossImage CrossGET's learned per-layer vision cross-token offsets [Lv, Wv]
 *     ({@code visual.transformer.cross_image} in the authors' checkpoints), or null
 * @param crossText CrossGET's text offsets [Lt, Wt] ({@code transformer.cross_text}), or null
 */
public record ClipWeights(VisionWeights vision, NDArray visionProjT, NDArray tokenEmbedding, NDArray textPositions,
        List<BlockWeights> textBlocks, LayerNormWeights lnFinal, NDArray textProjT, float logitScale,
        NDArray crossImage, NDArray crossText) {}
