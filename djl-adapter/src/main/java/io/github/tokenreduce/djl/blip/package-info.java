/**
 * BLIP image-text retrieval (ViT image encoder, BERT text encoder with cross-attention): configuration,
 * weight naming and loading, the model with its reduction sites, and random weights of any size for speed
 * measurements and tests.
 *
 * <p>May use {@code core}, {@code djl.family} (its family class implements the seam), {@code
 * djl.nn}, {@code djl.site}, {@code djl.text}, {@code djl.weights}, DJL and Gson. See
 * docs/models.md.
 */
package io.github.tokenreduce.djl.blip;
