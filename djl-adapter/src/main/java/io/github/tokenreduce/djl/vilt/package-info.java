/**
 * ViLT image-text retrieval: configuration, image processor, embeddings, weights and the model with its
 * reduction sites (where PuMer acts).
 *
 * <p>May use {@code core}, {@code djl.family} (its family class implements the seam), {@code
 * djl.image}, {@code djl.nn}, {@code djl.site}, {@code djl.text}, {@code djl.vit}, {@code
 * djl.weights}, DJL and Gson. See docs/models.md ("ViLT").
 */
package io.github.tokenreduce.djl.vilt;
