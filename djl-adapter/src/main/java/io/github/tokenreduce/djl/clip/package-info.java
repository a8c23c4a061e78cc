/**
 * CLIP (OpenAI and Hugging Face layouts): configuration, image processor, tokenizer, weights and the
 * model with its reduction sites, and its ONNX export ({@code ClipOnnxExport}, docs/export.md).
 *
 * <p>May use {@code core}, {@code djl.export}, {@code djl.family} (its family class implements the
 * seam), {@code djl.image}, {@code djl.nn}, {@code djl.site}, {@code djl.weights}, DJL and Gson. See
 * docs/models.md.
 */
package io.github.tokenreduce.djl.clip;
