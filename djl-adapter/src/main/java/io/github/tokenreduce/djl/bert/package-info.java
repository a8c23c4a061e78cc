/**
 * BERT sentence encoders block by block, with a reduction site in every layer, and the three bundled
 * encoders: {@link io.github.tokenreduce.djl.bert.SentenceEncoderLoader} reads an ONNX export into a
 * {@link io.github.tokenreduce.djl.bert.SentenceEncoder} (the forward pass), whose
 * {@link io.github.tokenreduce.djl.bert.TextChunker} cuts texts into chunks langchain4j's way and
 * {@link io.github.tokenreduce.djl.bert.ChunkBatches} groups them into batches by length.
 * {@link io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport} writes an encoder with its
 * reduction as one ONNX graph over length buckets, which
 * {@link io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder} runs on ONNX Runtime.
 *
 * <p>May use {@code core}, {@code djl.defaults} (each bundled encoder's documented default),
 * {@code djl.family} (its family class implements the seam), {@code djl.export}, the shared layers in {@code djl.nn},
 * {@code djl.site}, {@code djl.text}, {@code djl.weights} and DJL. See
 * docs/models.md.
 */
package io.github.tokenreduce.djl.bert;
