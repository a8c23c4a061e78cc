package io.github.tokenreduce.djl.clip;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.nn.BlockWeights;
import io.github.tokenreduce.djl.nn.LayerNormWeights;

import java.util.List;

/**
 * CLIP's parameters in one canonical layout, whatever the file's naming. Matrices are stored
 * transposed for {@code x · W}.
 *
 * @param patchT patch embedding as a matrix [3·P·P, Wv] (the stride-P convolution)
 * @param classEmbedding [Wv]
 * @param visionPositions [Nv, Wv]
 * @param lnPre vision pre-norm
 * @param visionBlocks vision blocks
 * @param lnPost vision post-norm
 * @param visionProjT [Wv, E]
 * @param tokenEmbedding [V, Wt]
 * @param textPositions [context, Wt]
 * @param textBlocks text blocks
 * @param lnFinal text final norm
 * @param textProjT [Wt, E]
 * @param logitScale scalar (log of the logit scale)
 */
public record ClipWeights(NDArray patchT, NDArray classEmbedding, NDArray visionPositions,
        LayerNormWeights lnPre, List<BlockWeights> visionBlocks, LayerNormWeights lnPost,
        NDArray visionProjT, NDArray tokenEmbedding, NDArray textPositions, List<BlockWeights> textBlocks,
        LayerNormWeights lnFinal, NDArray textProjT, float logitScale) {}
