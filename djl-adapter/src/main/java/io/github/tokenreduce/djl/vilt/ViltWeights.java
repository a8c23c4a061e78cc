package io.github.tokenreduce.djl.vilt;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.nn.BlockWeights;
import io.github.tokenreduce.djl.nn.LayerNormWeights;

import java.util.List;

/**
 * ViLT parameters (matrices transposed for {@code x · W}).
 *
 * @param words word embeddings [V, C]
 * @param textPositions [P, C]
 * @param textTypes text token-type (segment) embeddings [T, C]
 * @param textLn text embedding norm
 * @param modality modality-type embeddings [M, C] (row 0 text, row 1 image)
 * @param patchT patch embedding [3·P·P, C]
 * @param patchB its bias [C]
 * @param cls image class token [C]
 * @param positions image position embeddings [1 + G², C]
 * @param blocks pre-LN blocks
 * @param finalLn final norm
 * @param poolerT pooler dense [C, C]
 * @param poolerB its bias
 * @param vqa the VQA head, or null
 * @param rankT retrieval head [C, 1], or null
 * @param rankB its bias
 */
public record ViltWeights(NDArray words, NDArray textPositions, NDArray textTypes, LayerNormWeights textLn,
        NDArray modality, NDArray patchT, NDArray patchB, NDArray cls, NDArray positions, List<BlockWeights> blocks,
        LayerNormWeights finalLn, NDArray poolerT, NDArray poolerB, VqaHead vqa, NDArray rankT, NDArray rankB) {

    /** {@code Linear(C, 2C) → LayerNorm(2C) → GELU → Linear(2C, answers)}. */
    public record VqaHead(NDArray fc1T, NDArray fc1B, LayerNormWeights ln, NDArray fc2T, NDArray fc2B) {}
}
