/**
 * The seam every model family plugs into: {@link io.github.tokenreduce.djl.family.ModelFamily} (how a
 * family is recognised and loaded, its sites, the inputs each site gives a method, its entry points),
 * {@link io.github.tokenreduce.djl.family.FamilyModel} (a loaded model seen through that seam) and the
 * registry {@link io.github.tokenreduce.djl.family.ModelFamilies} that the command line, Spark and the
 * DJL entry points resolve models through, and {@link io.github.tokenreduce.djl.family.OnnxRuntimeImages}
 * (a family's image embeddings on ONNX Runtime, through its exporter). Each family implements the
 * interface in its own package.
 *
 * <p>May use {@code core}, {@code djl.export} (the ONNX Runtime session), {@code djl.nn},
 * {@code djl.site}, {@code djl.weights}, DJL, Gson and ONNX Runtime; it
 * names no family package (the built-in families are registered by name, see {@link
 * io.github.tokenreduce.djl.family.ModelFamilies}). See docs/models.md, "Adding a model family".
 */
package io.github.tokenreduce.djl.family;
