package io.github.tokenreduce.djl.bert;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.nn.BertLayerWeights;
import io.github.tokenreduce.djl.nn.LayerNormWeights;

import java.util.List;

/**
 * A sentence encoder's parameters as {@link SentenceEncoderLoader} reads them.
 *
 * @param words word embeddings [V, C]
 * @param positions position embeddings [P, C]
 * @param types token-type embeddings [T, C]
 * @param ln the embeddings' LayerNorm
 * @param layers the BERT layers
 * @param dictionary MADTP's training-free dictionary [M, C], or null
 */
record SentenceEncoderWeights(NDArray words, NDArray positions, NDArray types, LayerNormWeights ln,
        List<BertLayerWeights> layers, NDArray dictionary) {}
