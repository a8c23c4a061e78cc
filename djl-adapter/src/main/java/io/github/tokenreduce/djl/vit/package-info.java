/**
 * ViT and DeiT image classifiers (timm and Hugging Face layouts): configuration, weights and the model
 * with a reduction site in every block.
 *
 * <p>May use {@code core}, {@code djl.export} (the ONNX export of a ViT), {@code djl.family} (its
 * family class implements the seam), {@code djl.nn}, {@code djl.site}, {@code djl.weights}, DJL and
 * Gson. See docs/models.md.
 */
package io.github.tokenreduce.djl.vit;
