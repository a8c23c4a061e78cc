package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The export of a model whose inputs have a dynamic sequence length (text encoders): one graph whose
 * inputs are [batch, sequence], traced once per <em>bucket</em> length L. ONNX Runtime pads the input
 * with zeros to the smallest bucket that holds it and runs that bucket's branch (an {@code If} on the
 * sequence length): a trace fixes every count that depends on the length (a keep ratio's r), so each
 * bucket has its own counts, as the eager model run on the same padded batch has. The largest bucket
 * bounds the length: a longer input fails in ONNX Runtime. After writing, the file is checked as
 * {@link OnnxExport} checks one: on each bucket's example, its first sample alone and every probe.
 */
public final class BucketedExport {

    private BucketedExport() {}

    /** A model's forward pass at one bucket length over its traced inputs [B, length]. */
    @FunctionalInterface
    public interface Forward {
        /** Runs the model, calling {@code afterBlock} with each block's hidden states [B, N, C]. */
        OnnxExport.Traced run(int length, Map<String, NDArray> inputs, Consumer<NDArray> afterBlock);
    }

    /**
     * Traces {@code forward} once per length of {@code lengths} (ascending, each on the example
     * {@code examples.apply(length)}: inputs by name, [B, length], B &gt;= 2), writes one graph to
     * {@code out} taking {@code inputs} [batch, sequence] and checks it in ONNX Runtime.
     *
     * @param inputs the graph inputs and their element types, in order
     * @param int8MinCosine the smallest cosine of an int8 graph's output rows to the float32 eager ones
     *     accepted (unused for a float32 graph)
     * @throws UnsupportedOperationException when a trace uses an operation the graph cannot express;
     *     nothing is written then
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one; the file is
     *     removed then
     */
    public static OnnxExport.Result export(Tracer t, String graphName, String what, Map<String, DataType> inputs,
            int[] lengths, IntFunction<Map<String, NDArray>> examples, Forward forward, List<OnnxExport.Probe> probes,
            double int8MinCosine, Path out) throws IOException {
        checkLengths(lengths);
        inputs.forEach(t::sequenceInput);
        OnnxGraph g = t.graph();
        String first = inputs.keySet().iterator().next();
        List<OnnxGraph.Subgraph> branches = new ArrayList<>();
        List<OnnxExport.Probe> checks = new ArrayList<>();
        List<String> names = null;
        List<NDArray> outputs = null;
        int[] tokens = null;
        for (int length : lengths) {
            Map<String, NDArray> example = examples.apply(length);
            int scope = t.beginBranch();
            List<String> sizes = new ArrayList<>();
            OnnxExport.Traced traced;
            try {
                Map<String, NDArray> in = new LinkedHashMap<>();
                for (String name : inputs.keySet()) {
                    in.put(name, t.paddedInput(name, example.get(name)));
                }
                traced = forward.run(length, in, hidden -> sizes.add(t.size(hidden, 1)));
            } catch (UnsupportedOperationException e) {
                throw new UnsupportedOperationException("ONNX export of " + what + " refused at length " + length
                        + " (nothing written to " + out + "): " + e.getMessage(), e);
            }
            if (names == null) {
                names = List.copyOf(traced.outputs().keySet());
            } else if (!names.equals(List.copyOf(traced.outputs().keySet()))) {
                throw new IllegalStateException("ONNX export of " + what + ": the branch of length " + length
                        + " gives " + traced.outputs().keySet() + ", the first " + names);
            }
            outputs = List.copyOf(traced.outputs().values());
            branches.add(t.endBranch(scope, outputs, sizes));
            Map<String, NDArray> eager = new LinkedHashMap<>();
            Map<String, NDArray> firstOut = new LinkedHashMap<>();
            traced.outputs().forEach((name, array) -> {
                eager.put(name, t.example(array));
                firstOut.put(name, t.example(array).get("0:1"));
            });
            Map<String, NDArray> firstIn = new LinkedHashMap<>();
            example.forEach((name, values) -> firstIn.put(name, values.get("0:1")));
            checks.add(new OnnxExport.Probe(example, eager, traced.tokensPerLayer()));
            checks.add(new OnnxExport.Probe(firstIn, firstOut, null));
            tokens = traced.tokensPerLayer();
        }
        List<String> values = dispatch(g, first, lengths, branches, outputs);
        for (int i = 0; i < names.size(); i++) {
            NDArray o = t.example(outputs.get(i));
            t.output(names.get(i), values.get(i), o.getDataType(), o.getShape().dimension(), true);
        }
        t.output(OnnxExport.TOKENS_PER_LAYER, values.get(names.size()), DataType.INT64, 1, false);
        t.write(out, graphName);
        checks.addAll(probes);
        try {
            double diff = OnnxExport.checkAll(out, what, checks, i -> i < 2 * lengths.length
                    ? (i % 2 == 0 ? "the example" : "the example's first sample") + " of length " + lengths[i / 2]
                    : "probe " + (i - 2 * lengths.length + 1), t.int8Weights(), int8MinCosine);
            return new OnnxExport.Result(out, tokens, diff, t.reads());
        } catch (RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    /**
     * The dispatch on the sequence length of {@code input}: branch i where it is at most
     * {@code lengths[i]} (the first that holds it), the last branch otherwise; a balanced tree of
     * {@code If}s, so its depth grows with the log of the bucket count (ONNX Runtime's session set-up
     * grows steeply with the nesting depth: a chain of 20 took minutes).
     */
    private static List<String> dispatch(OnnxGraph g, String input, int[] lengths, List<OnnxGraph.Subgraph> branches,
            List<NDArray> outputs) {
        int n = lengths.length;
        if (n == 1) {
            return g.inline(branches.get(0));
        }
        String seq = g.node("Squeeze", List.of(g.node("Shape", List.of(input), OnnxGraph.attr("start", 1),
                OnnxGraph.attr("end", 2)), g.longs(0)));
        String[] fits = new String[n - 1];
        for (int i = 0; i < n - 1; i++) {
            fits[i] = g.node("LessOrEqual", List.of(seq, g.scalar((long) lengths[i], DataType.INT64)));
        }
        int mid = (n - 1) / 2;
        return List.of(g.ifNode(fits[mid], tree(g, fits, branches, 0, mid, outputs),
                tree(g, fits, branches, mid + 1, n - 1, outputs)));
    }

    /** The subgraph choosing among branches {@code lo..hi} (inclusive) by {@code fits}. */
    private static OnnxGraph.Subgraph tree(OnnxGraph g, String[] fits, List<OnnxGraph.Subgraph> branches, int lo,
            int hi, List<NDArray> outputs) {
        if (lo == hi) {
            return branches.get(lo);
        }
        int mid = (lo + hi) / 2;
        OnnxGraph.Subgraph then = tree(g, fits, branches, lo, mid, outputs);
        OnnxGraph.Subgraph otherwise = tree(g, fits, branches, mid + 1, hi, outputs);
        int scope = g.beginScope();
        String[] out = g.ifNode(fits[mid], then, otherwise);
        return g.endScope(scope, List.of(out), types(outputs), ranks(outputs));
    }

    private static List<DataType> types(List<NDArray> outputs) {
        List<DataType> types = new ArrayList<>(outputs.stream().map(o -> Tracer.handler(o).witness().getDataType())
                .toList());
        types.add(DataType.INT64);
        return types;
    }

    private static List<Integer> ranks(List<NDArray> outputs) {
        List<Integer> ranks = new ArrayList<>(outputs.stream()
                .map(o -> Tracer.handler(o).witness().getShape().dimension()).toList());
        ranks.add(1);
        return ranks;
    }

    private static void checkLengths(int[] lengths) {
        if (lengths == null || lengths.length == 0) {
            throw new IllegalArgumentException("lengths: a bucketed export needs at least one length, got "
                    + Arrays.toString(lengths));
        }
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 2 || i > 0 && lengths[i] <= lengths[i - 1]) {
                throw new IllegalArgumentException("lengths: expected ascending lengths of at least 2, got "
                        + Arrays.toString(lengths));
            }
        }
    }
}
