package io.github.tokenreduce.djl.bert;

/**
 * A BERT sentence encoder's geometry and pooling.
 *
 * @param width hidden size C
 * @param layers post-LN layers
 * @param heads attention heads
 * @param intermediate feed-forward width
 * @param vocab vocabulary size
 * @param maxPositions position embeddings (512: chunks hold at most 510 text tokens)
 * @param eps LayerNorm epsilon (1e-12)
 * @param pooling how the sentence vector is read
 */
public record SentenceEncoderConfig(int width, int layers, int heads, int intermediate, int vocab, int maxPositions,
        float eps, Pooling pooling) {

    /** How a sentence vector is read from the last hidden states. */
    public enum Pooling {
        /** The [CLS] token (bge). [CLS] is protected, so it is exact under any reduction. */
        CLS,
        /**
         * The mean of the real tokens ([CLS] and [SEP] included; all-MiniLM, e5); under merges the
         * size-weighted mean of the reduced tokens, which equals the plain mean over the tokens they
         * stand for.
         */
        MEAN
    }
}
