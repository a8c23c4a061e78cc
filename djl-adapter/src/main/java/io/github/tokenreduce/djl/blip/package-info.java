/**
 * BLIP image-text retrieval (ViT image encoder, BERT text encoder with cross-attention): configuration,
 * weight naming and loading, and the model with its reduction sites.
 *
 * <p>May use {@code core}, {@code djl.family} (its family class implements the seam), {@code
 * djl.nn}, {@code djl.site}, {@code djl.text}, {@code djl.weights}, DJL and Gson. See
 * docs/models.md.
 */
package io.github.tokenreduce.djl.blip;
