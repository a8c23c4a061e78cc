/**
 * BERT WordPiece tokenisation and tokenised batches (ids, attention mask) for BLIP, ViLT and the
 * sentence encoders.
 *
 * <p>May use DJL (its Hugging Face tokenizers) and {@code djl.weights} (model files); no model.
 */
package io.github.tokenreduce.djl.text;
