package io.github.tokenreduce.djl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.Tracer;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a CLIP tower with its reduction inside as one self-contained ONNX graph (opset 17), traced
 * from the eager {@link ClipModel} through {@link OnnxExport} (see docs/export.md), so each method
 * is defined once. The image tower: input {@code pixels} float [batch, 3, S, S] (normalised, batch
 * dynamic); outputs {@code image_embeds} float [batch, E] (projected, not normalised, as
 * {@link ClipModel#imageFeatures}) and {@code tokens_per_layer} int64 [L] (after each block,
 * including CLS and a cross token). A CrossGET reduction brings the checkpoint's learned cross-token
 * offsets as the eager model does. The file is run in ONNX Runtime and checked against the eager
 * result before this returns.
 */
public final class ClipOnnxExport {

    private ClipOnnxExport() {}

    /**
     * Exports the image tower of the CLIP model at {@code model} (a directory or weights file, as
     * {@link ClipModel#load}) with {@code reduction} at the vision site (null: unreduced) to {@code out}.
     *
     * @throws UnsupportedOperationException when the method needs what the graph cannot express
     *     (counts decided per sample from the data, an operation with no ONNX form); nothing is
     *     written then
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one
     */
    public static OnnxExport.Result exportImage(Path model, TowerReduction reduction, Path out) throws IOException {
        try (Tracer t = new Tracer(Device.cpu())) {
            ClipModel clip = traced(t, model, Tower.VISION, reduction);
            int s = clip.config().imageSize();
            NDArray example = OnnxExport.gaussian(t.witnessManager(), new Shape(OnnxExport.EXAMPLE_BATCH, 3, s, s));
            return OnnxExport.export(t, "clip_image", what("image", reduction), "pixels", example,
                    (pixels, afterBlock) -> {
                        ClipModel.Encoded e = clip.encodeImage(pixels,
                                (layer, tokens) -> afterBlock.accept(tokens.hidden()));
                        return new OnnxExport.Traced(Map.of("image_embeds", e.embeddings()), e.tokensPerLayer());
                    }, out);
        }
    }

    /** The model at {@code path} on the tracer's arrays, with {@code reduction} (may be null) at {@code tower}. */
    private static ClipModel traced(Tracer t, Path path, Tower tower, TowerReduction reduction) throws IOException {
        WeightFiles.Loaded w = WeightFiles.load(path, t.witnessManager(), Device.cpu());
        WeightFiles.Loaded constants = new WeightFiles.Loaded(w.source(), t.constants(w.tensors()), w.values());
        ClipModel plain = ClipModel.of(ClipLoader.fromFiles(path, constants, t.manager(), Device.cpu(), null),
                t.manager());
        return reduction == null ? plain : plain.withReduction(tower, reduction);
    }

    private static String what(String tower, TowerReduction reduction) {
        return "the CLIP " + tower + " tower" + (reduction == null ? "" : " with " + reduction.reducer().name());
    }
}
