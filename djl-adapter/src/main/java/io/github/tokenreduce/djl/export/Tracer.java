package io.github.tokenreduce.djl.export;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.index.dim.NDIndexElement;
import ai.djl.ndarray.index.dim.NDIndexTake;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records an eager forward pass as an ONNX graph: the model runs unchanged over the arrays of
 * {@link #manager()}, which compute on an example input (the <em>witness</em>, on the PyTorch
 * engine) and, for every operation on an input-dependent array, add the ONNX nodes that compute the
 * same thing. So the graph is derived from the one definition of each method; nothing is written
 * twice.
 *
 * <ul>
 *   <li>Arrays that do not depend on the input are constants: any operation on them is computed
 *       eagerly and they become initializers where the graph uses them (weights, index ranges).
 *   <li>The example input's batch size {@code b} marks the batch axis: a constant made during the
 *       trace whose first axis has {@code b} rows (equal rows, as from {@code ones(B, N)} or a
 *       broadcast) becomes one row expanded to the input's batch, so the graph's batch is dynamic.
 *       An operation that would mix the batch axis into another (a reshape across it, a slice or
 *       a transpose of it) is an error, not a graph fixed to the example's batch.
 *   <li>A value read into Java ({@code toIntArray}, {@code getFloat}, ...) is the example's value:
 *       a finite check, or a count that only depends on the geometry (protected tokens per
 *       sample). Every such read is listed in {@link #reads()}.
 *   <li>An operation with no ONNX form here throws {@link UnsupportedOperationException} naming it.
 * </ul>
 * Not thread-safe: one trace at a time, on one thread.
 */
public final class Tracer implements AutoCloseable {

    private final OnnxGraph graph = new OnnxGraph();
    private final NDManager witnesses;
    private final NDManager manager;
    private final Map<TracedArray, String> materialized = new IdentityHashMap<>();
    private final Map<String, Expansion> expansions = new java.util.HashMap<>();
    private final Map<NDArray, String[]> int8 = new IdentityHashMap<>();
    private final List<String> reads = new ArrayList<>();
    private long batch = -1;
    private final List<String> inputs = new ArrayList<>();
    private String batchDim;
    private final boolean int8Weights;

    /** A tracer whose example values live on {@code device}; products with weights stay float32. */
    public Tracer(Device device) {
        this(device, false);
    }

    /**
     * A tracer whose example values live on {@code device}; with {@code int8Weights} every product of
     * an input-dependent array with a constant float32 matrix (a weight) is written in int8
     * ({@link Int8MatMul}), while the example values stay the float32 ones.
     */
    public Tracer(Device device, boolean int8Weights) {
        this.int8Weights = int8Weights;
        this.witnesses = NDManager.newBaseManager(device);
        this.manager = (NDManager) Proxy.newProxyInstance(NDManager.class.getClassLoader(),
                new Class<?>[] {NDManager.class}, new TracedManager(this));
    }

    /** The manager whose arrays record: build the model's weights on it. */
    public NDManager manager() {
        return manager;
    }

    /** The eager manager example values live on (load weights here, then {@link #constant} them). */
    public NDManager witnessManager() {
        return witnesses;
    }

    /** {@code values} as a constant of the trace (an initializer where the graph uses it). */
    public NDArray constant(NDArray values) {
        return wrapConstant(values);
    }

    /** Every array of {@code tensors} (weights loaded on {@link #witnessManager()}) as a constant, same names and order. */
    public Map<String, NDArray> constants(Map<String, NDArray> tensors) {
        Map<String, NDArray> out = new java.util.LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, constant(v)));
        return out;
    }

    /**
     * Adds the graph input {@code name} with the example values {@code example} [B, ...]: its first axis
     * is the symbolic batch, the same for every input of the graph.
     */
    public NDArray input(String name, NDArray example) {
        if (inputs.contains(name)) {
            throw new IllegalStateException("ONNX export: the graph already has the input " + name);
        }
        Shape s = example.getShape();
        if (s.dimension() < 1 || s.get(0) < 2) {
            throw new IllegalArgumentException("ONNX export: the example input " + name + " needs a batch of at least "
                    + "2 to tell the batch axis apart, got shape " + s);
        }
        if (batch > 0 && s.get(0) != batch) {
            throw new IllegalArgumentException("ONNX export: the example input " + name + " has shape " + s
                    + "; every input needs the batch " + batch + " of the first, " + inputs.get(0));
        }
        batch = s.get(0);
        inputs.add(name);
        graph.input(name, example.getDataType(), s.getShape(), true);
        NDArray w = example.duplicate();
        NDScope.unregister(w);
        return wrapGraph(w, name);
    }

    /**
     * Declares the graph input {@code name} [batch, sequence] of {@code type} with no example: a
     * bucketed graph's input, which each branch pads to its length ({@link #paddedInput}).
     */
    public void sequenceInput(String name, DataType type) {
        if (inputs.contains(name)) {
            throw new IllegalStateException("ONNX export: the graph already has the input " + name);
        }
        inputs.add(name);
        graph.input(name, type, new long[] {-1, -1}, true);
    }

    /**
     * Starts a branch of the graph ({@link OnnxGraph#beginScope}): values computed from here on belong
     * to it; returns its scope for {@link #endBranch}.
     */
    public int beginBranch() {
        batchDim = null;
        return graph.beginScope();
    }

    /**
     * The input {@code name} ({@link #sequenceInput}) padded with zeros along axis 1 to the length of
     * {@code example} [B, L], traced with {@code example} as its values; an input longer than L fails
     * in ONNX Runtime (a shape mismatch), it is never cut.
     */
    public NDArray paddedInput(String name, NDArray example) {
        if (!inputs.contains(name)) {
            throw new IllegalStateException("ONNX export: no input " + name);
        }
        Shape s = example.getShape();
        if (s.dimension() != 2 || s.get(0) < 2 || batch > 0 && s.get(0) != batch) {
            throw new IllegalArgumentException("ONNX export: the example of " + name + " must be [B, L] with B >= 2"
                    + (batch > 0 ? " and B = " + batch : "") + ", got " + s);
        }
        batch = s.get(0);
        String seq = graph.node("Shape", List.of(name), OnnxGraph.attr("start", 1), OnnxGraph.attr("end", 2));
        String missing = graph.node("Max", List.of(graph.node("Sub", List.of(graph.longs(s.get(1)), seq)),
                graph.longs(0)));
        String pads = graph.node("Concat", List.of(graph.longs(0, 0, 0), missing), OnnxGraph.attr("axis", 0));
        // Expand to [1, L] changes nothing for a padded input of length L and fails for a longer one
        String padded = graph.node("Expand", List.of(graph.node("Pad", List.of(name, pads)), graph.longs(1, s.get(1))));
        NDArray w = example.duplicate();
        return wrapGraph(w, padded);
    }

    /** Ends the branch begun at {@code scope}; it gives {@code outputs} (arrays of the trace) and then {@code values}. */
    public OnnxGraph.Subgraph endBranch(int scope, List<NDArray> outputs, List<String> sizes) {
        List<String> values = new ArrayList<>();
        List<DataType> types = new ArrayList<>();
        List<Integer> ranks = new ArrayList<>();
        for (NDArray o : outputs) {
            values.add(value(o));
            types.add(example(o).getDataType());
            ranks.add(example(o).getShape().dimension());
        }
        values.add(sizes.size() == 1 ? sizes.get(0) : graph.node("Concat", sizes, OnnxGraph.attr("axis", 0)));
        types.add(DataType.INT64);
        ranks.add(1);
        return graph.endScope(scope, values, types, ranks);
    }

    /** Declares the value {@code value} (of {@code type} and rank {@code rank}, batch first when {@code batched}) the graph output {@code name}. */
    public void output(String name, String value, DataType type, int rank, boolean batched) {
        long[] dims = new long[rank];
        java.util.Arrays.fill(dims, Long.MIN_VALUE);
        graph.output(name, value, type, dims, batched);
    }

    /** Declares {@code traced} the graph output {@code name}. */
    public void output(String name, NDArray traced) {
        TracedArray t = handler(traced);
        if (t == null) {
            throw new IllegalArgumentException("ONNX export: output " + name + " is not an array of this trace");
        }
        Shape s = t.witness().getShape();
        graph.output(name, value(traced), t.witness().getDataType(), s.getShape(), isBatched(s));
    }

    /** Declares an int64 [n] output built from per-axis sizes ({@link #size}). */
    public void sizesOutput(String name, List<String> sizes) {
        String v = sizes.size() == 1 ? sizes.get(0) : graph.node("Concat", sizes, OnnxGraph.attr("axis", 0));
        graph.output(name, v, DataType.INT64, new long[] {sizes.size()}, false);
    }

    /** The size of axis {@code axis} of {@code traced} as computed by the graph, an int64 [1] value. */
    public String size(NDArray traced, int axis) {
        return graph.node("Shape", List.of(value(traced)), OnnxGraph.attr("start", axis),
                OnnxGraph.attr("end", axis + 1));
    }

    /** The example values of a traced array (what the eager path computed). */
    public NDArray example(NDArray traced) {
        TracedArray t = handler(traced);
        return t == null ? traced : t.witness();
    }

    /** Values the trace read into Java, one line each (see the class documentation). */
    public List<String> reads() {
        return List.copyOf(reads);
    }

    /** The model file's bytes. */
    public byte[] toBytes(String graphName) {
        return graph.toBytes(graphName);
    }

    /**
     * Writes the model file to {@code file} (making its folder if needed), streaming the weights
     * ({@link OnnxGraph#writeTo}).
     */
    public void write(java.nio.file.Path file, String graphName) throws java.io.IOException {
        java.nio.file.Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            java.nio.file.Files.createDirectories(parent);
        }
        try (java.io.OutputStream os = java.nio.file.Files.newOutputStream(file)) {
            graph.writeTo(os, graphName);
        }
    }

    /** Frees every example value. */
    @Override
    public void close() {
        witnesses.close();
    }

    // ------------------------------------------------------------------ for the handlers

    boolean int8Weights() {
        return int8Weights;
    }

    /** The graph being recorded (for exports that add nodes of their own, such as a dispatch over branches). */
    public OnnxGraph graph() {
        return graph;
    }

    /** The int8 initializers of the weight {@code w} ({@link Int8MatMul}), made once per trace. */
    String[] int8Weight(NDArray w, java.util.function.BiFunction<OnnxGraph, NDArray, String[]> quantize) {
        return int8.computeIfAbsent(w, k -> quantize.apply(graph, k));
    }

    NDManager witnesses() {
        return witnesses;
    }

    /** The tracer's own classes: never the site of a read. */
    private static final java.util.Set<Class<?>> INTERNAL = java.util.Set.of(Tracer.class, TracedArray.class,
            TracedEx.class, TracedManager.class, OnnxOps.class);

    /** Core's helpers: a read there is named with the method that called them as well. */
    private static final String UTIL = "io.github.tokenreduce.core.util.";

    /**
     * Records a value read into Java, with the first caller outside the tracer and DJL and, when that
     * is one of core's helpers ({@code Checks.finite}, ...), the first caller outside them.
     */
    void read(String what) {
        List<String> at = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .filter(f -> !INTERNAL.contains(f.getDeclaringClass()) && !f.getClassName().startsWith("ai.djl.")
                        && !f.getClassName().startsWith("java.") && !f.getClassName().startsWith("jdk.")
                        && !f.getClassName().contains("$Proxy"))
                .map(f -> f.getClassName() + "." + f.getMethodName()).limit(8).toList());
        String first = at.isEmpty() ? "?" : at.get(0);
        String site = at.stream().filter(f -> !f.startsWith(UTIL)).findFirst().orElse(first);
        reads.add(what + " in " + simple(first) + (site.equals(first) ? "" : " from " + simple(site)));
    }

    /** {@code pkg.Class.method} as {@code Class.method}. */
    private static String simple(String qualified) {
        int method = qualified.lastIndexOf('.');
        return qualified.substring(qualified.lastIndexOf('.', method - 1) + 1);
    }

    /** Whether a shape's first axis is the batch (the example's batch size, once tracing began). */
    boolean isBatched(Shape s) {
        return batch > 0 && s.dimension() >= 1 && s.get(0) == batch;
    }

    /** The traced array behind a proxy, or null for any other object. */
    static TracedArray handler(Object o) {
        if (o instanceof NDArray && Proxy.isProxyClass(o.getClass())
                && Proxy.getInvocationHandler(o) instanceof TracedArray t) {
            return t;
        }
        return null;
    }

    /** The example value of an argument: proxies (arrays, the manager) replaced by the eager ones, lists element-wise. */
    static Object unwrap(Object o) {
        TracedArray t = handler(o);
        if (t != null) {
            return t.witness();
        }
        if (o instanceof NDManager && Proxy.isProxyClass(o.getClass())
                && Proxy.getInvocationHandler(o) instanceof TracedManager m) {
            return m.tracer().witnesses();
        }
        if (o instanceof NDList l) {
            return map(l, a -> (NDArray) unwrap(a));
        }
        if (o instanceof NDIndex index && takes(index).anyMatch(a -> handler(a) != null)) {
            NDIndex raw = new NDIndex();
            for (NDIndexElement e : index.getIndices()) {
                if (e instanceof NDIndexTake take) {
                    raw.addIndices("{}", unwrap(take.getIndex()));
                } else {
                    raw.getIndices().add(e);
                }
            }
            return raw;
        }
        return o;
    }

    /** The arrays an index takes along its axes (advanced indexing). */
    static java.util.stream.Stream<NDArray> takes(NDIndex index) {
        return index.getIndices().stream().filter(NDIndexTake.class::isInstance)
                .map(e -> ((NDIndexTake) e).getIndex());
    }

    private static NDList map(NDList l, java.util.function.UnaryOperator<NDArray> f) {
        NDList out = new NDList(l.size());
        for (NDArray a : l) {
            out.add(f.apply(a));
        }
        return out;
    }

    /** {@code equals}, {@code hashCode} (identity) and {@code toString} of a proxy. */
    static Object objectMethod(Object proxy, java.lang.reflect.Method m, Object[] args, String description) {
        return switch (m.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> description;
        };
    }

    /** Whether an argument depends on the input (a graph array, or a list holding one). */
    static boolean dependsOnInput(Object o) {
        TracedArray t = handler(o);
        if (t != null) {
            return t.isGraph();
        }
        if (o instanceof NDList l) {
            return l.stream().anyMatch(Tracer::dependsOnInput);
        }
        if (o instanceof NDIndex index) {
            return takes(index).anyMatch(Tracer::dependsOnInput);
        }
        return false;
    }

    /** The ONNX value of an array: a graph value, or a constant made an initializer (once). */
    String value(Object array) {
        TracedArray t = handler(array);
        if (t == null) {
            if (array instanceof NDArray a) { // an eager array from outside the trace: a constant
                return graph.initializer(a);
            }
            throw new IllegalArgumentException("ONNX export: expected an array, got " + array);
        }
        if (t.isGraph()) {
            return t.value();
        }
        return materialized.computeIfAbsent(t, k -> graph.initializer(k.witness()));
    }

    /** The value an {@code Expand} of the graph broadcast ({@code source}, of {@code shape}) to a larger shape. */
    record Expansion(String source, Shape shape) {}

    /** Records that the graph value {@code value} is {@code source} (of {@code shape}) expanded. */
    void expanded(String value, String source, Shape shape) {
        expansions.put(value, new Expansion(source, shape));
    }

    /** What the graph value {@code value} was expanded from, or null when it is not an {@code Expand}'s output. */
    Expansion expansion(String value) {
        return expansions.get(value);
    }

    /** Forgets a constant's initializer (its values changed in place). */
    void changed(TracedArray t) {
        materialized.remove(t);
    }

    /** An int64 shape value for {@code s}: the input's batch in place of a batch-sized first axis. */
    String shapeValue(Shape s) {
        long[] dims = s.getShape();
        if (!isBatched(s)) {
            return graph.longs(dims);
        }
        String rest = graph.longs(Arrays.copyOfRange(dims, 1, dims.length));
        return dims.length == 1 ? batchDim() : graph.node("Concat", List.of(batchDim(), rest), OnnxGraph.attr("axis", 0));
    }

    private String batchDim() {
        if (batchDim == null) {
            batchDim = graph.node("Shape", List.of(inputs.get(0)), OnnxGraph.attr("start", 0), OnnxGraph.attr("end", 1));
        }
        return batchDim;
    }

    /** Wraps an eager result that does not depend on the input (see the class documentation). */
    Object wrapConstant(Object out) {
        if (out instanceof NDList l) {
            return map(l, this::wrapConstant);
        }
        if (!(out instanceof NDArray w) || handler(out) != null) {
            return out;
        }
        NDScope.unregister(w);
        if (isBatched(w.getShape())) {
            return expandRows(w);
        }
        return proxy(new TracedArray(this, w, null));
    }

    NDArray wrapConstant(NDArray out) {
        return (NDArray) wrapConstant((Object) out);
    }

    /** Wraps an eager result computed by the graph value {@code value}. */
    NDArray wrapGraph(NDArray witness, String value) {
        NDScope.unregister(witness);
        Shape s = witness.getShape();
        // token states [batch, N, C] of a float32 graph; in an int8 graph the shapes let ONNX Runtime choose
        // fusions that made the unreduced CLIP graph 22% slower (measured), so it goes without them
        if (!int8Weights() && witness.getDataType() == DataType.FLOAT32 && s.dimension() == 3 && isBatched(s)) {
            graph.shape(value, DataType.FLOAT32, s.getShape(), true);
        }
        return proxy(new TracedArray(this, witness, value));
    }

    private NDArray expandRows(NDArray w) {
        NDArray row = w.get("0:1");
        NDScope.unregister(row);
        boolean equal = w.eq(row).all().getBoolean();
        if (!equal && isBatchIndex(w)) {
            row.close();
            NDArray index = wrapGraph(w, batchIndex(w.getShape()));
            handler(index).guessedBatchIndex();
            return index;
        }
        if (!equal) {
            row.close();
            throw new UnsupportedOperationException("ONNX export: an array of shape " + w.getShape() + " made in Java "
                    + "has a batch-sized first axis whose rows differ (values per sample computed outside the "
                    + "graph); only rows equal for every sample can follow a dynamic batch (a method that counts per "
                    + "sample must compute the counts in the graph: docs/export.md, \"Values read into Java\")"
                    + (reads.isEmpty() ? "" : "; the last value read into Java: " + reads.get(reads.size() - 1)));
        }
        String source = graph.initializer(row);
        String v = graph.node("Expand", List.of(source, shapeValue(w.getShape())));
        expanded(v, source, row.getShape());
        row.close();
        return wrapGraph(w, v);
    }

    /** Whether {@code w} (batch-sized first axis) holds each row's batch index, as an integer. */
    static boolean isBatchIndex(NDArray w) {
        if (w.getDataType() != DataType.INT64) {
            return false;
        }
        long[] v = w.toLongArray();
        long per = v.length / w.getShape().get(0);
        for (int i = 0; i < v.length; i++) {
            if (v[i] != i / per) {
                return false;
            }
        }
        return true;
    }

    /** The batch index {@code b} at every position of row {@code b}, int64 of {@code shape}: Range of the input's batch. */
    private String batchIndex(Shape shape) {
        String batch = graph.node("Squeeze", List.of(batchDim(), graph.longs(0)));
        String range = graph.node("Range", List.of(graph.scalar(0L, DataType.INT64), batch, graph.scalar(1L, DataType.INT64)));
        long[] view = new long[shape.dimension()];
        Arrays.fill(view, 1);
        view[0] = -1;
        String col = graph.node("Reshape", List.of(range, graph.longs(view)));
        return graph.node("Expand", List.of(col, shapeValue(shape)));
    }

    private static NDArray proxy(TracedArray t) {
        NDArray p = (NDArray) Proxy.newProxyInstance(NDArray.class.getClassLoader(), new Class<?>[] {NDArray.class}, t);
        t.bind(p);
        NDScope.register(p);
        return p;
    }
}
