package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.index.dim.NDIndexAll;
import ai.djl.ndarray.index.dim.NDIndexElement;
import ai.djl.ndarray.index.dim.NDIndexFixed;
import ai.djl.ndarray.index.dim.NDIndexSlice;
import ai.djl.ndarray.index.dim.NDIndexTake;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.github.tokenreduce.core.util.Tensors;

import java.lang.reflect.Method;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.github.tokenreduce.djl.export.OnnxGraph.attr;
import static io.github.tokenreduce.djl.export.OnnxGraph.ints;

/**
 * The ONNX form (opset {@value OnnxGraph#OPSET}) of each DJL operation the tracer records: element-wise
 * arithmetic, comparisons and logic, reductions, shape operations, indexing, gathers, matmul,
 * softmax, layer norm and GELU. Types follow the eager result: operands are cast to the type PyTorch
 * promoted to, so the graph computes in the same types as the eager path.
 */
final class OnnxOps {

    private static final Map<String, String> BINARY = Map.of("add", "Add", "addi", "Add", "sub", "Sub", "subi",
            "Sub", "mul", "Mul", "muli", "Mul", "div", "Div", "divi", "Div", "pow", "Pow");
    private static final Map<String, String> EXTREMUM = Map.of("maximum", "Max", "minimum", "Min");
    private static final Map<String, String> COMPARE = Map.of("eq", "Equal", "gt", "Greater", "gte",
            "GreaterOrEqual", "lt", "Less", "lte", "LessOrEqual");
    private static final Map<String, String> LOGIC = Map.of("logicalAnd", "And", "logicalOr", "Or", "logicalXor",
            "Xor");
    private static final Map<String, String> UNARY = Map.of("neg", "Neg", "exp", "Exp", "log", "Log", "sqrt",
            "Sqrt", "abs", "Abs", "logicalNot", "Not", "tanh", "Tanh");
    private static final Map<String, String> REDUCE = Map.of("sum", "ReduceSum", "mean", "ReduceMean", "max",
            "ReduceMax", "min", "ReduceMin");
    private static final java.util.Set<String> OTHER = java.util.Set.of("square", "matMul", "softmax", "cumSum", "argMax",
            "argSort", "reshape", "expandDims", "squeeze", "transpose", "broadcast", "repeat", "gather", "toType",
            "duplicate", "zerosLike", "onesLike", "get");

    private OnnxOps() {}

    /** Whether {@code m} (an {@link NDArray} method) is recorded with these argument types. */
    static boolean records(Method m) {
        String n = m.getName();
        Class<?>[] p = m.getParameterTypes();
        if (REDUCE.containsKey(n)) {
            return p.length == 0 || (p.length == 2 && p[0] == int[].class);
        }
        return switch (n) {
            case "cumSum", "softmax", "expandDims", "argMax" -> p.length == 1 && p[0] == int.class;
            case "argSort" -> p.length == 2;
            case "reshape", "broadcast" -> p.length == 1 && p[0] == Shape.class;
            case "squeeze" -> p.length == 1 && p[0] == int[].class;
            case "repeat" -> p.length == 2 && p[0] == int.class;
            case "get" -> p.length == 2 && p[1] == NDIndex.class;
            case "toType" -> p.length == 2;
            default -> BINARY.containsKey(n) || EXTREMUM.containsKey(n) || COMPARE.containsKey(n)
                    || LOGIC.containsKey(n) || UNARY.containsKey(n) || OTHER.contains(n);
        };
    }

    /** Whether {@code name} changes its receiver. */
    static boolean inPlace(String name) {
        return name.length() > 1 && name.endsWith("i") && BINARY.containsKey(name);
    }

    /** Whether {@code m} (an {@code NDArrayEx} method) is recorded. */
    static boolean recordsEx(Method m) {
        return switch (m.getName()) {
            case "gelu", "sigmoid", "where", "layerNorm", "embedding" -> true;
            case "stack", "concat" -> m.getParameterCount() == 2;
            default -> false;
        };
    }

    /** Adds the nodes of {@code self.m(args)} (whose eager result is {@code out}) and returns its value. */
    static String emit(Tracer t, Method m, TracedArray self, Object[] args, NDArray out) {
        OnnxGraph g = t.graph();
        String n = m.getName();
        DataType ot = out.getDataType();
        NDArray in = self.witness();
        DataType it = in.getDataType();
        String x = t.value(self.self());
        Object a0 = args == null || args.length == 0 ? null : args[0];
        if (BINARY.containsKey(n) || EXTREMUM.containsKey(n)) {
            String op = BINARY.containsKey(n) ? BINARY.get(n) : EXTREMUM.get(n);
            return g.node(op, List.of(cast(t, x, it, ot), operand(t, a0, ot)));
        }
        if (COMPARE.containsKey(n)) {
            DataType common = a0 instanceof Number v ? numberType(it, v) : promote(it, typeOf(a0));
            return g.node(COMPARE.get(n), List.of(cast(t, x, it, common), operand(t, a0, common)));
        }
        if (LOGIC.containsKey(n)) {
            return g.node(LOGIC.get(n), List.of(cast(t, x, it, DataType.BOOLEAN), operand(t, a0, DataType.BOOLEAN)));
        }
        if (UNARY.containsKey(n)) {
            return g.node(UNARY.get(n), List.of(cast(t, x, it, ot)));
        }
        if (REDUCE.containsKey(n)) {
            return reduce(t, REDUCE.get(n), cast(t, x, it, ot), args);
        }
        switch (n) {
            case "square": {
                String c = cast(t, x, it, ot);
                return g.node("Mul", List.of(c, c));
            }
            case "matMul":
                if (t.int8Weights() && it == DataType.FLOAT32 && Int8MatMul.isWeight(a0)) {
                    return Int8MatMul.emit(t, x, (NDArray) Tracer.unwrap(a0));
                }
                return g.node("MatMul", List.of(cast(t, x, it, ot), operand(t, a0, ot)));
            case "softmax":
                return g.node("Softmax", List.of(x), attr("axis", (int) a0));
            case "argMax": // the first maximal index, as PyTorch's
                return g.node("ArgMax", List.of(x), attr("axis", axis((int) a0, in.getShape().dimension())),
                        attr("keepdims", 0), attr("select_last_index", 0));
            case "cumSum":
                return g.node("CumSum", List.of(cast(t, x, it, ot), g.scalar((int) a0, DataType.INT64)));
            case "argSort": {
                int axis = axis((int) a0, in.getShape().dimension());
                boolean ascending = (boolean) args[1];
                return g.node("TopK", List.of(x, g.longs(in.getShape().get(axis))), 2, attr("axis", axis),
                        attr("largest", ascending ? 0 : 1), attr("sorted", 1))[1];
            }
            case "reshape":
                if (t.isBatched(in.getShape()) != t.isBatched(out.getShape())) {
                    throw batchError("reshape " + in.getShape() + " to " + out.getShape() + " mixes the batch axis "
                            + "with another");
                }
                return g.node("Reshape", List.of(x, t.shapeValue(out.getShape())));
            case "expandDims": {
                int axis = axis((int) a0, out.getShape().dimension());
                if (axis == 0 && t.isBatched(in.getShape())) {
                    throw batchError("expandDims(0) moves the batch axis of " + in.getShape());
                }
                return g.node("Unsqueeze", List.of(x, g.longs(axis)));
            }
            case "squeeze": {
                List<Long> axes = new ArrayList<>();
                for (int a : (int[]) a0) {
                    int k = axis(a, in.getShape().dimension());
                    if (in.getShape().get(k) == 1) {
                        axes.add((long) k);
                    }
                }
                return axes.isEmpty() ? g.node("Identity", List.of(x))
                        : g.node("Squeeze", List.of(x, g.longs(axes.stream().mapToLong(Long::longValue).toArray())));
            }
            case "transpose": {
                int rank = in.getShape().dimension();
                long[] perm = new long[rank];
                int[] given = args == null || args.length == 0 ? null : (int[]) a0;
                for (int i = 0; i < rank; i++) {
                    perm[i] = given == null || given.length == 0 ? rank - 1 - i : axis(given[i], rank);
                }
                if (perm[0] != 0 && t.isBatched(in.getShape())) {
                    throw batchError("transpose " + java.util.Arrays.toString(perm) + " moves the batch axis of "
                            + in.getShape());
                }
                return g.node("Transpose", List.of(x), ints("perm", perm));
            }
            case "broadcast":
                return expand(t, x, in.getShape(), out.getShape());
            case "repeat": {
                int axis = axis((int) a0, in.getShape().dimension());
                if (in.getShape().get(axis) != 1) {
                    return null;
                }
                return expand(t, x, in.getShape(), out.getShape());
            }
            case "gather":
                return g.node("GatherElements", List.of(x, operand(t, a0, DataType.INT64)),
                        attr("axis", axis((int) args[1], in.getShape().dimension())));
            case "toType":
                return cast(t, x, it, ot);
            case "duplicate":
                return g.node("Identity", List.of(x));
            case "zerosLike":
            case "onesLike":
                return g.node("ConstantOfShape", List.of(g.node("Shape", List.of(x))),
                        OnnxGraph.scalarAttr("value", n.equals("zerosLike") ? 0 : 1, ot));
            case "get": {
                NDIndex index = (NDIndex) args[1];
                return Tracer.takes(index).findAny().isPresent() ? gatherRows(t, x, in.getShape(), index)
                        : slice(t, x, in.getShape(), index);
            }
            default:
                throw new IllegalStateException("ONNX export: no form for " + n);
        }
    }

    /** Adds the nodes of an {@code NDArrayEx} method of {@code owner} and returns its value. */
    static String emitEx(Tracer t, Method m, TracedArray owner, Object[] args, NDArray out) {
        OnnxGraph g = t.graph();
        DataType ot = out.getDataType();
        String x = t.value(owner.self());
        switch (m.getName()) {
            case "sigmoid":
                return g.node("Sigmoid", List.of(x));
            case "gelu": { // exact: x · ½ · (1 + erf(x / √2)), as PyTorch, in the form ONNX Runtime fuses into Gelu
                String e = g.node("Erf", List.of(g.node("Div", List.of(x, g.scalar((float) Math.sqrt(2), ot)))));
                String h = g.node("Add", List.of(e, g.scalar(1f, ot)));
                return g.node("Mul", List.of(g.node("Mul", List.of(x, h)), g.scalar(0.5f, ot)));
            }
            case "where": { // x.where(condition, y), as NDArrays.where calls it
                DataType wt = ot == DataType.BOOLEAN ? DataType.INT32 : ot; // ONNX Runtime has no boolean Where
                String w = g.node("Where", broadcastOperands(t, new Object[] {args[0], owner.self(), args[1]},
                        new DataType[] {DataType.BOOLEAN, wt, wt}, out.getShape()));
                return cast(t, w, wt, ot);
            }
            case "stack":
            case "concat": {
                NDList rest = (NDList) args[0];
                int rank = owner.witness().getShape().dimension();
                boolean stack = m.getName().equals("stack");
                int axis = axis((int) args[1], stack ? rank + 1 : rank);
                if (axis == 0 && t.isBatched(owner.witness().getShape())) {
                    throw batchError(m.getName() + " along the batch axis");
                }
                List<String> parts = new ArrayList<>();
                parts.add(cast(t, x, owner.witness().getDataType(), ot));
                for (NDArray a : rest) {
                    parts.add(operand(t, a, ot));
                }
                if (stack) {
                    String ax = g.longs(axis);
                    parts.replaceAll(p -> g.node("Unsqueeze", List.of(p, ax)));
                }
                return g.node("Concat", parts, attr("axis", axis));
            }
            case "embedding": // embedding(ids, table, sparse): rows of the table
                return g.node("Gather", List.of(operand(t, args[1], ot), operand(t, args[0], DataType.INT64)),
                        attr("axis", 0));
            case "layerNorm": {
                Shape normalized = (Shape) args[1];
                return g.node("LayerNormalization", List.of(operand(t, args[0], ot), operand(t, args[2], ot),
                        operand(t, args[3], ot)), attr("axis", -normalized.dimension()), attr("epsilon", (float) args[4]));
            }
            default:
                throw new IllegalStateException("ONNX export: no form for NDArrayEx." + m.getName());
        }
    }

    /** {@code x} (of {@code from}) expanded to {@code to}, recorded so that a broadcasting operation can take {@code x} itself. */
    private static String expand(Tracer t, String x, Shape from, Shape to) {
        String v = t.graph().node("Expand", List.of(x, t.shapeValue(to)));
        t.expanded(v, x, from);
        return v;
    }

    /**
     * The operands (arrays or numbers) of a broadcasting operation whose result has the shape {@code out}, as
     * {@code types}: an operand that is an {@code Expand}'s output is taken before that Expand when the others
     * still broadcast it to {@code out} (DJL's {@code where} needs expanded operands, ONNX's {@code Where}
     * broadcasts them itself), so no expanded copy is computed.
     */
    private static List<String> broadcastOperands(Tracer t, Object[] operands, DataType[] types, Shape out) {
        String[] values = new String[operands.length];
        Shape[] shapes = new Shape[operands.length];
        for (int i = 0; i < operands.length; i++) {
            values[i] = operands[i] instanceof Number ? null : t.value(operands[i]);
            shapes[i] = operands[i] instanceof Number ? new Shape() : ((NDArray) Tracer.unwrap(operands[i])).getShape();
        }
        for (int i = 0; i < operands.length; i++) {
            Tracer.Expansion e = values[i] == null ? null : t.expansion(values[i]);
            if (e == null) {
                continue;
            }
            Shape kept = shapes[i];
            shapes[i] = e.shape();
            if (out.equals(Tensors.broadcastShape(shapes))) { // a source broadcasts wherever its expansion did
                values[i] = e.source();
            } else {
                shapes[i] = kept;
            }
        }
        List<String> in = new ArrayList<>();
        for (int i = 0; i < operands.length; i++) {
            in.add(values[i] == null ? operand(t, operands[i], types[i])
                    : cast(t, values[i], typeOf(operands[i]), types[i]));
        }
        return in;
    }

    private static String reduce(Tracer t, String op, String x, Object[] args) {
        OnnxGraph g = t.graph();
        boolean all = args == null || args.length == 0;
        long keep = all ? 0 : ((boolean) args[1] ? 1 : 0);
        if (all) {
            return g.node(op, List.of(x), attr("keepdims", 0));
        }
        long[] axes = java.util.Arrays.stream((int[]) args[0]).asLongStream().toArray();
        if (op.equals("ReduceSum")) { // axes are an input from opset 13, an attribute for the others until 18
            return g.node(op, List.of(x, g.longs(axes)), attr("keepdims", keep));
        }
        return g.node(op, List.of(x), ints("axes", axes), attr("keepdims", keep));
    }

    /**
     * {@code x[rows, idx]} with {@code rows} the column of batch indices [B, 1] and {@code idx} [B, K]
     * (as {@code Tensors.gatherTokens} writes it): {@code GatherND} with one batch dimension. Other
     * advanced indexing is not recorded.
     */
    private static String gatherRows(Tracer t, String x, Shape shape, NDIndex index) {
        List<NDIndexElement> els = index.getIndices();
        boolean pattern = els.size() >= 2 && els.get(0) instanceof NDIndexTake rows
                && els.get(1) instanceof NDIndexTake && els.stream().skip(2).allMatch(NDIndexAll.class::isInstance)
                && isBatchColumn(Tracer.unwrap(rows.getIndex()), shape.get(0));
        if (!pattern) {
            throw new UnsupportedOperationException("ONNX export: the advanced index " + index.getIndices()
                    + " on " + shape + " is not recorded; only x[batchColumn, idx] (Tensors.gatherTokens) is");
        }
        OnnxGraph g = t.graph();
        NDArray idx = ((NDIndexTake) els.get(1)).getIndex();
        String nd = g.node("Unsqueeze", List.of(operand(t, idx, DataType.INT64), g.longs(-1)));
        return g.node("GatherND", List.of(x, nd), attr("batch_dims", 1));
    }

    /** Whether {@code a} is the int64 column {@code [[0], [1], ..., [batch - 1]]}. */
    private static boolean isBatchColumn(Object a, long batch) {
        return a instanceof NDArray arr && arr.getShape().equals(new Shape(batch, 1)) && Tracer.isBatchIndex(arr);
    }

    /** Slices, steps and fixed indices; the batch axis may only be taken whole. */
    private static String slice(Tracer t, String x, Shape shape, NDIndex index) {
        OnnxGraph g = t.graph();
        if (index.getEllipsisIndex() != -1) {
            throw new UnsupportedOperationException("ONNX export: an ellipsis index (" + index + ") is not recorded");
        }
        List<Long> starts = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        List<Long> axes = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        List<Long> squeeze = new ArrayList<>();
        List<NDIndexElement> els = index.getIndices();
        for (int i = 0; i < els.size(); i++) {
            NDIndexElement e = els.get(i);
            if (e instanceof NDIndexAll) {
                continue;
            }
            if (i == 0 && t.isBatched(shape)) {
                throw batchError("indexing " + shape + " picks part of the batch axis");
            }
            if (e instanceof NDIndexSlice s) {
                long step = s.getStep() == null ? 1 : s.getStep();
                if (step <= 0) {
                    throw new UnsupportedOperationException("ONNX export: a slice step of " + step + " is not recorded");
                }
                starts.add(s.getMin() == null ? 0 : s.getMin());
                ends.add(s.getMax() == null ? Long.MAX_VALUE : s.getMax());
                steps.add(step);
            } else if (e instanceof NDIndexFixed f) {
                long k = f.getIndex();
                starts.add(k);
                ends.add(k == -1 ? Long.MAX_VALUE : k + 1);
                steps.add(1L);
                squeeze.add((long) i);
            } else {
                throw new UnsupportedOperationException("ONNX export: the index element "
                        + e.getClass().getSimpleName() + " is not recorded");
            }
            axes.add((long) i);
        }
        String out = axes.isEmpty() ? g.node("Identity", List.of(x))
                : g.node("Slice", List.of(x, g.longs(toArray(starts)), g.longs(toArray(ends)), g.longs(toArray(axes)),
                        g.longs(toArray(steps))));
        return squeeze.isEmpty() ? out : g.node("Squeeze", List.of(out, g.longs(toArray(squeeze))));
    }

    /** An operand of type {@code type}: a number as a scalar, an array cast when its type differs. */
    private static String operand(Tracer t, Object a, DataType type) {
        if (a instanceof Number v) {
            return t.graph().scalar(v, type);
        }
        return cast(t, t.value(a), typeOf(a), type);
    }

    private static String cast(Tracer t, String x, DataType from, DataType to) {
        return from == to ? x : t.graph().node("Cast", List.of(x), attr("to", OnnxGraph.onnxType(to)));
    }

    private static DataType typeOf(Object a) {
        return ((NDArray) a).getDataType();
    }

    /** The type a comparison with a Java number runs in: the array's, or float32 for a fraction on integers. */
    private static DataType numberType(DataType array, Number v) {
        boolean fraction = (v instanceof Float || v instanceof Double) && v.doubleValue() != Math.rint(v.doubleValue());
        return fraction && !array.isFloating() ? DataType.FLOAT32 : array;
    }

    private static DataType promote(DataType a, DataType b) {
        if (a == b) {
            return a;
        }
        if (a.isFloating() || b.isFloating()) {
            return a == DataType.FLOAT64 || b == DataType.FLOAT64 ? DataType.FLOAT64 : DataType.FLOAT32;
        }
        if (a == DataType.BOOLEAN) {
            return b;
        }
        if (b == DataType.BOOLEAN) {
            return a;
        }
        return a.getNumOfBytes() >= b.getNumOfBytes() ? a : b;
    }

    private static int axis(int axis, int rank) {
        return axis < 0 ? axis + rank : axis;
    }

    private static long[] toArray(List<Long> v) {
        return v.stream().mapToLong(Long::longValue).toArray();
    }

    private static UnsupportedOperationException batchError(String what) {
        return new UnsupportedOperationException("ONNX export: " + what + "; the graph's batch is dynamic, so an "
                + "operation may not depend on the example's batch size");
    }
}
