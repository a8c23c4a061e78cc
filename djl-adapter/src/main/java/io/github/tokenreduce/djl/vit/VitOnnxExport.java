package io.github.tokenreduce.djl.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.Tracer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.ModelFiles;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a ViT classifier with its reduction inside as one self-contained ONNX graph (opset 17),
 * traced from the eager {@link VitModel} by a {@link Tracer} through {@link OnnxExport} (see
 * docs/export.md): the same code path, so each method is defined once. Input {@code pixels} float
 * [batch, 3, S, S] (normalised), batch dynamic; outputs {@code logits} [batch, K], {@code features}
 * [batch, C] and {@code tokens_per_layer} int64 [L] (the token count after each block, as the graph
 * computes it). Each layer's r is fixed in the graph. The file is then run in ONNX Runtime on the
 * traced example and on its first image alone, and checked against the eager result.
 */
public final class VitOnnxExport {

    private VitOnnxExport() {}

    /**
     * Exports the model at {@code model} (a directory or weights file, as {@link VitModel#load})
     * with {@code reduction} at the vision site (null: unreduced) to {@code out}.
     *
     * @throws UnsupportedOperationException when the method uses an operation with no ONNX form
     *     in the tracer, or one that depends on the batch size (nothing is written then)
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one
     */
    public static OnnxExport.Result export(Path model, VitLoader.Overrides overrides, TowerReduction reduction,
            Path out) throws IOException {
        return export(model, overrides, reduction, out, Precision.FP32);
    }

    /**
     * As {@link #export(Path, VitLoader.Overrides, TowerReduction, Path)} with the products with weights in
     * {@code precision}: {@link Precision#FP32}, or {@link Precision#INT8} (dynamic quantization, see
     * docs/export.md; the check then asks each output row for a cosine of at least
     * {@link OnnxExport#INT8_MIN_COSINE} to the float32 eager one instead of equal values).
     *
     * @throws IllegalArgumentException for another precision (ONNX Runtime's CPU provider has no bfloat16
     *     products), before anything is written
     */
    public static OnnxExport.Result export(Path model, VitLoader.Overrides overrides, TowerReduction reduction,
            Path out, Precision precision) throws IOException {
        try (Tracer t = new Tracer(Device.cpu(), OnnxExport.int8(precision))) {
            WeightFiles.Loaded w = WeightFiles.load(model, t.witnessManager(), Device.cpu());
            VitLoader.Loaded l = VitLoader.fromTensors(w.source().toString(), t.constants(w.tensors()),
                    ModelFiles.config(model), overrides, t.manager());
            VitModel plain = VitModel.of(l, t.manager());
            VitModel vit = reduction == null ? plain : plain.withReduction(Site.VISION_BLOCKS, reduction);
            int s = l.config().imageSize();
            NDArray example = OnnxExport.gaussian(t.witnessManager(), new Shape(OnnxExport.EXAMPLE_BATCH, 3, s, s));
            String what = "ViT" + (reduction == null ? "" : " with " + reduction.reducer().name());
            return OnnxExport.export(t, "vit", what, "pixels", example, (pixels, afterBlock) -> {
                VitModel.Classification c = vit.classify(pixels, (layer, tokens) -> afterBlock.accept(tokens.hidden()));
                Map<String, NDArray> outputs = new LinkedHashMap<>();
                outputs.put("logits", c.logits());
                outputs.put("features", c.features());
                return new OnnxExport.Traced(outputs, c.tokensPerLayer());
            }, out);
        }
    }
}
