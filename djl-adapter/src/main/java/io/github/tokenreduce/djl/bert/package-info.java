/**
 * BERT sentence encoders block by block (from ONNX exports or Hugging Face weights), with reduction
 * sites in every layer, and the three bundled encoders.
 *
 * <p>May use {@code core}, {@code djl.family} (its family class implements the seam), the shared
 * layers in {@code djl.nn}, {@code djl.site}, {@code djl.text}, {@code djl.weights} and DJL. See
 * docs/models.md.
 */
package io.github.tokenreduce.djl.bert;
