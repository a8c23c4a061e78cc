package io.github.tokenreduce.djl.family;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.TemporaryGraph;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Image embeddings on the ONNX Runtime engine (what {@code tokenreduce embed --engine onnxruntime} runs):
 * the model exported once through its family's {@link OnnxExporter}, with its reduction inside and its
 * products in float32 or int8, to a temporary graph (checked against the eager model there, removed on
 * {@link #close}), then one ONNX Runtime session for every batch. Images are preprocessed as the
 * family's eager model does; the embeddings [N][E] are what its eager embedding gives (unit length for
 * CLIP). Thread-safe (the session is).
 *
 * <pre>{@code
 * try (OnnxRuntimeImages clip = OnnxRuntimeImages.open(Path.of("clip-vit-base-patch16"),
 *         ToMeReducer.builder().r(16).build(), Precision.INT8)) {
 *     float[][] vectors = clip.embed(images);
 * }
 * }</pre>
 */
public final class OnnxRuntimeImages implements AutoCloseable {

    private final OnnxExporter exporter;
    private final OnnxExporter.Geometry geometry;
    private final TemporaryGraph<OnnxExport.Result> graph;

    private OnnxRuntimeImages(OnnxExporter exporter, OnnxExporter.Geometry geometry,
            TemporaryGraph<OnnxExport.Result> graph) {
        this.exporter = exporter;
        this.geometry = geometry;
        this.graph = graph;
    }

    /** As {@link #open(ModelFamily, Path, TokenReducer, Precision)}, the family recognised from the files. */
    public static OnnxRuntimeImages open(Path model, TokenReducer reducer, Precision precision) throws IOException {
        return open(ModelFamilies.resolve(model), model, reducer, precision);
    }

    /**
     * The model at {@code model} of {@code family} with {@code reducer} (null: none) on ONNX Runtime in
     * {@code precision}: fp32, int8, or auto (int8: ONNX Runtime's fastest CPU products).
     *
     * @throws IllegalArgumentException for bf16, or a family without an export, before anything is written
     */
    public static OnnxRuntimeImages open(ModelFamily family, Path model, TokenReducer reducer, Precision precision)
            throws IOException {
        Precision p = precision == Precision.AUTO ? Precision.INT8 : precision;
        if (p != Precision.FP32 && p != Precision.INT8) {
            throw new IllegalArgumentException("precision: ONNX Runtime runs fp32, int8 or auto (int8), got "
                    + precision.label() + " (its CPU provider has no bfloat16 products; bf16 runs on the PyTorch "
                    + "engine, FamilyModel.withPrecision)");
        }
        OnnxExporter exporter = family.onnxExporter().orElseThrow(() -> new IllegalArgumentException(
                "model: a " + family.describe() + " has no ONNX export yet (docs/export.md); run it on the PyTorch "
                        + "engine"));
        OnnxExporter.Geometry geometry = exporter.geometry(model);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray like = m.zeros(new Shape(1, 3, geometry.imageSize(), geometry.imageSize()));
            return new OnnxRuntimeImages(exporter, geometry, TemporaryGraph.export("tokenreduce-" + family.name() + "-",
                    file -> exporter.export(model, reducer == null ? null : TowerReduction.of(reducer), file, p),
                    Map.of("pixels", like)));
        }
    }

    /** Embeddings [N][E] of decoded images. */
    public float[][] embed(List<BufferedImage> images) {
        if (images.isEmpty()) {
            return new float[0][];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            return exporter.outputs(Tensors.rows(run(exporter.pixels(m, images, geometry), exporter.output())));
        }
    }

    /**
     * The graph's output {@code name} (for example {@code logits}, {@code image_embeds}) for normalised
     * pixels [B, 3, S, S] as the family's processor makes them, attached to the pixels' manager.
     *
     * @throws IllegalArgumentException when the graph has no output of that name, naming those it has
     */
    public NDArray run(NDArray pixels, String name) {
        Map<String, NDArray> out = graph.run(Map.of("pixels", pixels), pixels.getManager());
        NDArray o = out.get(name);
        if (o == null) {
            throw new IllegalArgumentException("output: the graph has no '" + name + "'; it gives " + out.keySet());
        }
        return o;
    }

    @Override
    public void close() {
        graph.close();
    }
}
