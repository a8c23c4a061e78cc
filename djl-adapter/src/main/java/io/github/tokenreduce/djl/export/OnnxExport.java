package io.github.tokenreduce.djl.export;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The steps every model's export shares (see docs/export.md): trace one forward pass over a
 * {@link Tracer}'s input, declare its outputs and the token count after each block
 * ({@code tokens_per_layer}, int64 [L], as the graph computes it), write the file only once the
 * trace succeeded, then run the file in ONNX Runtime on the traced example, on its first sample
 * alone and on any {@link Probe} and check it against the eager values (removing the file when it
 * differs). A model family supplies only its forward pass (and probes).
 */
public final class OnnxExport {

    /** Batch of the example a graph is traced on (any size above 1 marks the batch axis). */
    public static final int EXAMPLE_BATCH = 2;
    /** Largest difference to the eager outputs accepted by the check after writing. */
    public static final double CHECK_TOLERANCE = 1e-3;
    /** Smallest cosine of an int8 graph's output rows to the float32 eager ones accepted by the check. */
    public static final double INT8_MIN_COSINE = 0.99;
    /** The name of the per-layer token count output. */
    public static final String TOKENS_PER_LAYER = "tokens_per_layer";

    private OnnxExport() {}

    /**
     * What an export wrote and checked.
     *
     * @param tokensPerLayer tokens after each block (the eager path's and the graph's, checked equal)
     * @param maxDifference largest |ONNX Runtime − eager| over the outputs on the example (int8 products:
     *     1 − the smallest cosine of an output row)
     * @param reads values the trace read into Java (the example's), see {@link Tracer#reads()}
     */
    public record Result(Path file, int[] tokensPerLayer, double maxDifference, List<String> reads) {}

    /**
     * What a traced forward pass returns.
     *
     * @param outputs the graph outputs by name (arrays of the trace, first axis the batch)
     * @param tokensPerLayer the eager token count after each block
     */
    public record Traced(Map<String, NDArray> outputs, int[] tokensPerLayer) {}

    /** A model's forward pass over its traced inputs (by name, as the example gave them). */
    @FunctionalInterface
    public interface Forward {
        /** As {@link InputForward#run}, for a graph with several inputs. */
        Traced run(Map<String, NDArray> inputs, Consumer<NDArray> afterBlock);
    }

    /** A model's forward pass over the traced input. */
    @FunctionalInterface
    public interface InputForward {
        /**
         * Runs the model on {@code input}, calling {@code afterBlock} with each block's hidden
         * states [B, N, C] (N is what {@code tokens_per_layer} reports).
         */
        Traced run(NDArray input, Consumer<NDArray> afterBlock);
    }

    /**
     * An input the written graph must answer as the eager model does, beyond the traced example: for
     * inputs whose values steer a decision the trace fixed (a count clamped by where a protected token
     * lies), so a graph that only holds for the example is caught.
     *
     * @param inputs the graph inputs by name
     * @param tokensPerLayer the eager token count after each block, or null not to compare them
     */
    public record Probe(Map<String, NDArray> inputs, Map<String, NDArray> outputs, int[] tokensPerLayer) {}

    /** As {@link #export(Tracer, String, String, String, NDArray, InputForward, List, Path)} without probes. */
    public static Result export(Tracer t, String graphName, String what, String inputName, NDArray example,
            InputForward forward, Path out) throws IOException {
        return export(t, graphName, what, inputName, example, forward, List.of(), out);
    }

    /** As {@link #export(Tracer, String, String, Map, Forward, List, Path)} for a graph with one input. */
    public static Result export(Tracer t, String graphName, String what, String inputName, NDArray example,
            InputForward forward, List<Probe> probes, Path out) throws IOException {
        return export(t, graphName, what, Map.of(inputName, example),
                (in, afterBlock) -> forward.run(in.get(inputName), afterBlock), probes, out);
    }

    /**
     * Traces {@code forward} on {@code example} (graph inputs by name, same batch), writes the graph to
     * {@code out} and checks it in ONNX Runtime on the example, on its first sample alone and on every
     * probe.
     *
     * @param graphName the graph's name in the file
     * @param what the model and method, for messages
     * @throws UnsupportedOperationException when the forward pass uses an operation the graph cannot
     *     express (no ONNX form, or one tied to the example's batch); nothing is written then
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one; the file is
     *     removed then
     */
    public static Result export(Tracer t, String graphName, String what, Map<String, NDArray> example,
            Forward forward, List<Probe> probes, Path out) throws IOException {
        List<String> sizes = new ArrayList<>();
        Traced traced;
        try {
            Map<String, NDArray> in = new LinkedHashMap<>();
            example.forEach((name, values) -> in.put(name, t.input(name, values)));
            traced = forward.run(in, hidden -> sizes.add(t.size(hidden, 1)));
        } catch (UnsupportedOperationException e) {
            throw new UnsupportedOperationException("ONNX export of " + what + " refused (nothing written to " + out
                    + "): " + e.getMessage(), e);
        }
        Map<String, NDArray> eager = new LinkedHashMap<>();
        Map<String, NDArray> first = new LinkedHashMap<>();
        traced.outputs().forEach((name, array) -> {
            t.output(name, array);
            eager.put(name, t.example(array));
            first.put(name, t.example(array).get("0:1"));
        });
        t.sizesOutput(TOKENS_PER_LAYER, sizes);
        t.write(out, graphName);
        List<Probe> checks = new ArrayList<>();
        checks.add(new Probe(example, eager, traced.tokensPerLayer()));
        // the first sample alone: the graph must follow the batch, not keep the example's
        Map<String, NDArray> firstIn = new LinkedHashMap<>();
        example.forEach((name, values) -> firstIn.put(name, values.get("0:1")));
        checks.add(new Probe(firstIn, first, null));
        checks.addAll(probes);
        try {
            double diff = checkAll(out, what, checks, i -> i == 0 ? "the example"
                    : i == 1 ? "the example's first sample" : "probe " + (i - 1), t.int8Weights(), INT8_MIN_COSINE);
            return new Result(out, traced.tokensPerLayer(), diff, t.reads());
        } catch (RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    /**
     * Whether a graph in {@code precision} has int8 products ({@link Tracer#Tracer(Device, boolean)}).
     *
     * @throws IllegalArgumentException for a precision other than fp32 and int8: ONNX Runtime's CPU
     *     provider has no bfloat16 matrix products
     */
    public static boolean int8(io.github.tokenreduce.djl.nn.Precision precision) {
        return switch (precision) {
            case FP32 -> false;
            case INT8 -> true;
            default -> throw new IllegalArgumentException("precision: an exported graph is fp32 or int8, got "
                    + precision.label() + " (ONNX Runtime's CPU provider has no bfloat16 matrix products)");
        };
    }

    /** Deterministic N(0, 1) float32 values of {@code shape} (seed 0): an example input. */
    public static NDArray gaussian(NDManager m, Shape shape) {
        Random r = new Random(0);
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, shape);
    }

    /**
     * Runs the file (one ONNX Runtime session) on every check, labelled by {@code label} (its index), and
     * compares with the eager values: the largest difference (int8: 1 − the smallest cosine, at least
     * {@code minCosine}).
     */
    static double checkAll(Path file, String what, List<Probe> checks, java.util.function.IntFunction<String> label,
            boolean int8, double minCosine) {
        try (OnnxRuntimeRun session = OnnxRuntimeRun.open(file, checks.get(0).inputs())) {
            double diff = 0;
            for (int i = 0; i < checks.size(); i++) {
                diff = Math.max(diff, check(session, what, checks.get(i), int8, minCosine, label.apply(i)));
            }
            return diff;
        }
    }

    /** Runs the session on one probe and compares with the eager values; returns the largest difference. */
    private static double check(OnnxRuntimeRun session, String what, Probe probe, boolean int8, double minCosine,
            String label) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> ort = session.run(probe.inputs(), m);
            int[] tokens = probe.tokensPerLayer();
            long[] counts = ort.get(TOKENS_PER_LAYER).toLongArray();
            if (tokens != null && !Arrays.equals(counts, Arrays.stream(tokens).asLongStream().toArray())) {
                throw new IllegalStateException("ONNX export of " + what + ": on " + label + " the graph keeps "
                        + Arrays.toString(counts) + " tokens per layer, the eager path " + Arrays.toString(tokens)
                        + " (the trace fixed a decision that depends on the input; the file was removed)");
            }
            double diff = 0;
            for (Map.Entry<String, NDArray> e : probe.outputs().entrySet()) {
                diff = Math.max(diff, int8 ? 1 - minCosine(ort.get(e.getKey()), e.getValue())
                        : maxDiff(ort.get(e.getKey()), e.getValue()));
            }
            if (int8 && !(1 - diff >= minCosine)) {
                throw new IllegalStateException("ONNX export of " + what + ": on " + label + " the int8 graph's "
                        + probe.outputs().keySet() + " have a cosine of " + (1 - diff) + " to the float32 eager ones "
                        + "(at least " + minCosine + " expected; the file was removed)");
            }
            if (!int8 && !(diff <= CHECK_TOLERANCE)) {
                throw new IllegalStateException("ONNX export of " + what + ": on " + label + " ONNX Runtime's "
                        + probe.outputs().keySet() + " differ from the eager ones by " + diff + " (tolerance "
                        + CHECK_TOLERANCE + "; the file was removed)");
            }
            return diff;
        }
    }

    /** The smallest cosine between matching rows of a and b [B, ...]. */
    private static double minCosine(NDArray a, NDArray b) {
        NDArray x = a.reshape(a.getShape().get(0), -1);
        NDArray y = b.toDevice(a.getDevice(), false).reshape(x.getShape());
        return x.mul(y).sum(new int[] {1}).div(x.norm(new int[] {1}).mul(y.norm(new int[] {1}))).min().getFloat();
    }

    private static double maxDiff(NDArray a, NDArray b) {
        if (a.size() == 0) {
            return 0;
        }
        return a.sub(b.toDevice(a.getDevice(), false)).abs().max().getFloat();
    }
}
