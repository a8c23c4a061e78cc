package io.github.tokenreduce.djl.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.export.Tracer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.ModelFiles;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a ViT classifier with its reduction inside as one self-contained ONNX graph (opset 17),
 * traced from the eager {@link VitModel} by a {@link Tracer} (see docs/export.md): the same code
 * path, so each method is defined once. Input {@code pixels} float [batch, 3, S, S] (normalised),
 * batch dynamic; outputs {@code logits} [batch, K], {@code features} [batch, C] and
 * {@code tokens_per_layer} int64 [L] (the token count after each block, as the graph computes it).
 * Each layer's r is fixed in the graph. The file is then run in ONNX Runtime on the traced example
 * and on its first image alone, and checked against the eager result.
 */
public final class VitOnnxExport {

    /** Batch of the example the graph is traced on (any size above 1 marks the batch axis). */
    static final int EXAMPLE_BATCH = 2;
    /** Largest difference to the eager logits accepted by the check after writing. */
    static final double CHECK_TOLERANCE = 1e-3;
    /** Smallest cosine of an int8 graph's features to the float32 eager ones accepted by the check. */
    public static final double INT8_MIN_COSINE = 0.99;

    private VitOnnxExport() {}

    /**
     * What an export wrote and checked.
     *
     * @param tokensPerLayer tokens after each block (the eager path's and the graph's, checked equal)
     * @param maxDifference largest |ONNX Runtime − eager| over logits and features on the example (int8:
     *     1 − the smallest cosine of the features)
     * @param reads values the trace read into Java (the example's), see {@link Tracer#reads()}
     */
    public record Result(Path file, int[] tokensPerLayer, double maxDifference, List<String> reads) {}

    /**
     * Exports the model at {@code model} (a directory or weights file, as {@link VitModel#load})
     * with {@code reduction} at the vision site (null: unreduced) to {@code out}.
     *
     * @throws UnsupportedOperationException when the method uses an operation with no ONNX form
     *     in the tracer, or one that depends on the batch size
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one
     */
    public static Result export(Path model, VitLoader.Overrides overrides, TowerReduction reduction, Path out)
            throws IOException {
        return export(model, overrides, reduction, out, Precision.FP32);
    }

    /**
     * As {@link #export(Path, VitLoader.Overrides, TowerReduction, Path)} with the products with weights in
     * {@code precision}: {@link Precision#FP32}, or {@link Precision#INT8} (dynamic quantization, see
     * {@code Int8MatMul} in docs/export.md; the check then asks each image's features for a cosine of at
     * least {@value #INT8_MIN_COSINE} to the float32 eager ones instead of equal values).
     *
     * @throws IllegalArgumentException for another precision (ONNX Runtime's CPU provider has no bfloat16 products)
     */
    public static Result export(Path model, VitLoader.Overrides overrides, TowerReduction reduction, Path out,
            Precision precision) throws IOException {
        if (precision != Precision.FP32 && precision != Precision.INT8) {
            throw new IllegalArgumentException("precision: an exported graph is fp32 or int8, got " + precision
                    + " (ONNX Runtime's CPU provider has no bfloat16 matrix products)");
        }
        boolean int8 = precision == Precision.INT8;
        try (Tracer t = new Tracer(Device.cpu(), int8)) {
            WeightFiles.Loaded w = WeightFiles.load(model, t.witnessManager(), Device.cpu());
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            w.tensors().forEach((k, v) -> tensors.put(k, t.constant(v)));
            VitLoader.Loaded l = VitLoader.fromTensors(w.source().toString(), tensors, ModelFiles.config(model),
                    overrides, t.manager());
            VitModel vit = VitModel.of(l, t.manager());
            if (reduction != null) {
                vit = vit.withReduction(Site.VISION_BLOCKS, reduction);
            }
            NDArray example = example(t.witnessManager(), l.config().imageSize());
            List<String> sizes = new ArrayList<>();
            VitModel.Classification c = vit.classify(t.input("pixels", example),
                    (layer, tokens) -> sizes.add(t.size(tokens.hidden(), 1)));
            t.output("logits", c.logits());
            t.output("features", c.features());
            t.sizesOutput("tokens_per_layer", sizes);
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(out, t.toBytes("vit"));
            double diff = check(out, example, t.example(c.logits()), t.example(c.features()), c.tokensPerLayer(), int8);
            return new Result(out, c.tokensPerLayer(), diff, t.reads());
        }
    }

    /** Runs the file in ONNX Runtime on the example and on its first image, and compares with the eager values. */
    private static double check(Path file, NDArray example, NDArray logits, NDArray features, int[] tokens,
            boolean int8) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> ort = OnnxRuntimeRun.run(file, "pixels", example, m);
            long[] counts = ort.get("tokens_per_layer").toLongArray();
            if (!Arrays.equals(counts, Arrays.stream(tokens).asLongStream().toArray())) {
                throw new IllegalStateException("ONNX export: the graph keeps " + Arrays.toString(counts)
                        + " tokens per layer, the eager path " + Arrays.toString(tokens));
            }
            if (int8) {
                double cos = minCosine(ort.get("features"), features);
                if (!(cos >= INT8_MIN_COSINE)) {
                    throw new IllegalStateException("ONNX export: the int8 graph's features have a cosine of " + cos
                            + " to the float32 eager ones (at least " + INT8_MIN_COSINE + " expected) in " + file);
                }
                return 1 - cos;
            }
            double diff = Math.max(maxDiff(ort.get("logits"), logits), maxDiff(ort.get("features"), features));
            // the first image alone: the graph must follow the batch, not keep the example's
            Map<String, NDArray> one = OnnxRuntimeRun.run(file, "pixels", example.get("0:1"), m);
            diff = Math.max(diff, Math.max(maxDiff(one.get("logits"), logits.get("0:1")),
                    maxDiff(one.get("features"), features.get("0:1"))));
            if (!(diff <= CHECK_TOLERANCE)) {
                throw new IllegalStateException("ONNX export: ONNX Runtime's logits and features differ from the "
                        + "eager ones by " + diff + " (tolerance " + CHECK_TOLERANCE + ") in " + file);
            }
            return diff;
        }
    }

    /** The smallest cosine between matching rows of a and b [B, C]. */
    private static double minCosine(NDArray a, NDArray b) {
        NDArray bb = b.toDevice(a.getDevice(), false);
        NDArray dot = a.mul(bb).sum(new int[] {1});
        NDArray norms = a.norm(new int[] {1}).mul(bb.norm(new int[] {1}));
        return dot.div(norms).min().getFloat();
    }

    private static double maxDiff(NDArray a, NDArray b) {
        if (a.size() == 0) {
            return 0;
        }
        return a.sub(b.toDevice(a.getDevice(), false)).abs().max().getFloat();
    }

    /** Deterministic N(0, 1) pixels [EXAMPLE_BATCH, 3, S, S]. */
    private static NDArray example(NDManager m, int size) {
        Random r = new Random(0);
        float[] v = new float[EXAMPLE_BATCH * 3 * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, new Shape(EXAMPLE_BATCH, 3, size, size));
    }
}
