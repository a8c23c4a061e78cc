package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph (standard domain, opset {@value #OPSET}) built node by node and written as a
 * {@code ModelProto} with protobuf-java's {@link CodedOutputStream} (field numbers from
 * {@code onnx.proto}). Values are named; nodes are kept in the order they were added, which is a
 * topological order. {@link #toBytes} drops every node and initializer no output depends on.
 * A graph input or output's first dimension may be the symbolic {@code batch}, and a negative
 * dimension is the symbolic {@code sequence}. Nodes added between {@link #beginScope} and
 * {@link #endScope} form a {@link Subgraph}, a branch of an {@link #ifNode If}; it may use any value of
 * the graph around it (initializers and the graph inputs included).
 */
public final class OnnxGraph {

    /** The opset every node is written for. */
    public static final int OPSET = 17;

    /**
     * A node; {@code captured} lists the outer values its subgraphs use (they keep their producers alive).
     */
    private record Node(String op, List<String> inputs, List<String> outputs, List<ByteString> attributes,
            Set<String> captured) {
        Node(String op, List<String> inputs, List<String> outputs, List<ByteString> attributes) {
            this(op, inputs, outputs, attributes, Set.of());
        }
    }

    /** A branch of an If: its nodes, its outputs and the outer values it uses. */
    public static final class Subgraph {
        private final List<Node> nodes;
        private final List<ValueInfo> outputs;
        private final Set<String> captured;

        private Subgraph(List<Node> nodes, List<ValueInfo> outputs) {
            this.nodes = nodes;
            this.outputs = outputs;
            Set<String> produced = new HashSet<>();
            Set<String> used = new java.util.LinkedHashSet<>();
            for (Node n : nodes) {
                used.addAll(n.inputs());
                used.addAll(n.captured());
                produced.addAll(n.outputs());
            }
            used.removeAll(produced);
            used.remove("");
            this.captured = Set.copyOf(used);
        }
    }

    private record ValueInfo(String name, int type, long[] dims, boolean batched) {}

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, ByteString> initializers = new LinkedHashMap<>();
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<ValueInfo> outputs = new ArrayList<>();
    /** Shapes of inner values (ONNX {@code value_info}), so ONNX Runtime's fusions see what shape inference cannot. */
    private final Map<String, ValueInfo> shapes = new HashMap<>();
    private int next;

    /** Adds a node with one output and returns the output's name. */
    public String node(String op, List<String> in, ByteString... attributes) {
        return node(op, in, 1, attributes)[0];
    }

    /** Adds a node with {@code count} outputs and returns their names. */
    public String[] node(String op, List<String> in, int count, ByteString... attributes) {
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            out[i] = op.toLowerCase(java.util.Locale.ROOT) + "_" + next++;
        }
        nodes.add(new Node(op, List.copyOf(in), List.of(out), List.of(attributes)));
        return out;
    }

    /** Adds {@code a}'s values as an initializer and returns its name. */
    public String initializer(NDArray a) {
        return tensor(a.getShape().getShape(), onnxType(a.getDataType()), rawBytes(a));
    }

    /** An initializer of {@code type} and {@code dims} from its little-endian bytes. */
    public String initializer(long[] dims, DataType type, byte[] littleEndian) {
        return tensor(dims.clone(), onnxType(type), littleEndian.clone());
    }

    /** A 1-D int64 initializer. */
    public String longs(long... v) {
        return tensor(new long[] {v.length}, onnxType(DataType.INT64), longBytes(v));
    }

    /** A scalar initializer of {@code type}. */
    public String scalar(Number v, DataType type) {
        return tensor(new long[0], onnxType(type), scalarBytes(v, type));
    }

    /** Declares a graph input of {@code type}; dimension 0 is {@code batch} when {@code batched}. */
    public void input(String name, DataType type, long[] dims, boolean batched) {
        inputs.add(new ValueInfo(name, onnxType(type), dims, batched));
    }

    /** Declares {@code value} as the graph output {@code name} (through an Identity). */
    public void output(String name, String value, DataType type, long[] dims, boolean batched) {
        nodes.add(new Node("Identity", List.of(value), List.of(name), List.of()));
        outputs.add(new ValueInfo(name, onnxType(type), dims, batched));
    }

    /**
     * Declares the shape of the inner value {@code value} (written as {@code value_info} when the value is
     * computed in the main graph); dimension 0 is {@code batch} when {@code batched}.
     */
    public void shape(String value, DataType type, long[] dims, boolean batched) {
        shapes.put(value, new ValueInfo(value, onnxType(type), dims, batched));
    }

    /** Starts a subgraph: the nodes added from now on until {@link #endScope} are its nodes. */
    public int beginScope() {
        return nodes.size();
    }

    /**
     * Ends the subgraph begun at {@code scope}: its nodes leave this graph and become the branch that
     * gives {@code values} (of {@code types} and {@code ranks}, dimensions unnamed) as its outputs.
     */
    public Subgraph endScope(int scope, List<String> values, List<DataType> types, List<Integer> ranks) {
        List<Node> body = new ArrayList<>(nodes.subList(scope, nodes.size()));
        nodes.subList(scope, nodes.size()).clear();
        List<ValueInfo> outs = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            String name = "branch_out_" + next++;
            body.add(new Node("Identity", List.of(values.get(i)), List.of(name), List.of()));
            long[] dims = new long[ranks.get(i)];
            java.util.Arrays.fill(dims, Long.MIN_VALUE);
            outs.add(new ValueInfo(name, onnxType(types.get(i)), dims, false));
        }
        return new Subgraph(body, outs);
    }

    /** Puts the nodes of {@code g} back into this graph; returns the values of its outputs. */
    public List<String> inline(Subgraph g) {
        nodes.addAll(g.nodes);
        return g.outputs.stream().map(ValueInfo::name).toList();
    }

    /** Adds an If node on the boolean scalar {@code cond}: {@code then} where true, {@code otherwise} where false. */
    public String[] ifNode(String cond, Subgraph then, Subgraph otherwise) {
        if (then.outputs.size() != otherwise.outputs.size()) {
            throw new IllegalArgumentException("If: the branches give " + then.outputs.size() + " and "
                    + otherwise.outputs.size() + " outputs");
        }
        String[] out = new String[then.outputs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = "if_" + next++;
        }
        Set<String> captured = new HashSet<>(then.captured);
        captured.addAll(otherwise.captured);
        nodes.add(new Node("If", List.of(cond), List.of(out), List.of(graphAttr("then_branch", then, "then"),
                graphAttr("else_branch", otherwise, "else")), Set.copyOf(captured)));
        return out;
    }

    /** Node count so far (dead nodes included). */
    public int size() {
        return nodes.size();
    }

    /** The model file's bytes: only what the outputs depend on (see {@link #writeTo}). */
    public byte[] toBytes(String graphName) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            writeTo(bytes, graphName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Writes the model file to {@code os}: only what the outputs depend on. The initializers (the weights)
     * are streamed from where they are held, never copied into a message first, so writing a model needs
     * no more memory than the model itself holds.
     */
    public void writeTo(OutputStream os, String graphName) throws IOException {
        Set<String> live = new HashSet<>();
        for (ValueInfo o : outputs) {
            live.add(o.name());
        }
        Map<String, Node> producer = new HashMap<>();
        for (Node n : nodes) {
            for (String o : n.outputs()) {
                producer.put(o, n);
            }
        }
        Set<Node> keep = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Deque<String> todo = new ArrayDeque<>(live);
        while (!todo.isEmpty()) {
            Node n = producer.get(todo.pop());
            if (n != null && keep.add(n)) {
                for (String in : n.inputs()) {
                    if (live.add(in)) {
                        todo.push(in);
                    }
                }
                for (String in : n.captured()) {
                    if (live.add(in)) {
                        todo.push(in);
                    }
                }
            }
        }
        // the graph's fields in order: nodes (1), name (2), initializers (5), inputs (11), outputs (12), value_info (13)
        List<Map.Entry<Integer, ByteString>> fields = new ArrayList<>();
        for (Node n : nodes) {
            if (keep.contains(n)) {
                fields.add(Map.entry(1, nodeBytes(n)));
            }
        }
        fields.add(Map.entry(2, ByteString.copyFromUtf8(graphName)));
        for (Map.Entry<String, ByteString> t : initializers.entrySet()) {
            if (live.contains(t.getKey())) {
                fields.add(Map.entry(5, t.getValue()));
            }
        }
        inputs.forEach(v -> fields.add(Map.entry(11, valueInfo(v))));
        outputs.forEach(v -> fields.add(Map.entry(12, valueInfo(v))));
        for (Node n : nodes) {
            ValueInfo v = keep.contains(n) ? shapes.get(n.outputs().get(0)) : null;
            if (v != null) {
                fields.add(Map.entry(13, valueInfo(v)));
            }
        }
        long graphSize = 0;
        for (Map.Entry<Integer, ByteString> f : fields) {
            graphSize += CodedOutputStream.computeBytesSize(f.getKey(), f.getValue());
        }
        if (graphSize > Integer.MAX_VALUE) {
            throw new IllegalStateException("ONNX export: the graph is " + graphSize + " bytes; a protobuf message holds "
                    + "at most 2 GiB (weights that large need ONNX's external data, which this writer does not use)");
        }
        CodedOutputStream out = CodedOutputStream.newInstance(os, 1 << 16);
        out.writeInt64(1, 8); // IR version 8 (opset 17)
        out.writeString(2, "tokenreduce");
        out.writeTag(7, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
        out.writeUInt32NoTag((int) graphSize);
        for (Map.Entry<Integer, ByteString> f : fields) {
            out.writeBytes(f.getKey(), f.getValue());
        }
        out.writeBytes(8, message(o -> {
            o.writeString(1, "");
            o.writeInt64(2, OPSET);
        }));
        out.flush();
    }

    // ------------------------------------------------------------------ attributes

    /** An INT attribute. */
    public static ByteString attr(String name, long v) {
        return message(out -> {
            out.writeString(1, name);
            out.writeInt64(3, v);
            out.writeInt32(20, 2);
        });
    }

    /** A FLOAT attribute. */
    public static ByteString attr(String name, float v) {
        return message(out -> {
            out.writeString(1, name);
            out.writeFloat(2, v);
            out.writeInt32(20, 1);
        });
    }

    /** An INTS attribute. */
    public static ByteString ints(String name, long... v) {
        return message(out -> {
            out.writeString(1, name);
            for (long x : v) {
                out.writeInt64(8, x);
            }
            out.writeInt32(20, 7);
        });
    }

    /** A TENSOR attribute holding one value of {@code type} (ConstantOfShape's {@code value}). */
    public static ByteString scalarAttr(String name, Number v, DataType type) {
        ByteString t = message(out -> {
            out.writeInt64(1, 1);
            out.writeInt32(2, onnxType(type));
            out.writeBytes(9, ByteString.copyFrom(scalarBytes(v, type)));
        });
        return message(out -> {
            out.writeString(1, name);
            out.writeBytes(5, t);
            out.writeInt32(20, 4);
        });
    }

    /** A GRAPH attribute holding {@code g} as a GraphProto named {@code name}. */
    private ByteString graphAttr(String attr, Subgraph g, String name) {
        ByteString graph = message(out -> {
            for (Node n : g.nodes) {
                out.writeBytes(1, nodeBytes(n));
            }
            out.writeString(2, name + "_" + next++);
            for (ValueInfo v : g.outputs) {
                out.writeBytes(12, valueInfo(v));
            }
        });
        return message(out -> {
            out.writeString(1, attr);
            out.writeBytes(6, graph);
            out.writeInt32(20, 5);
        });
    }

    // ------------------------------------------------------------------ types and bytes

    /** ONNX's {@code TensorProto.DataType} for a DJL type. */
    public static int onnxType(DataType t) {
        return switch (t) {
            case FLOAT32 -> 1;
            case UINT8 -> 2;
            case INT8 -> 3;
            case INT32 -> 6;
            case INT64 -> 7;
            case BOOLEAN -> 9;
            case FLOAT16 -> 10;
            case FLOAT64 -> 11;
            default -> throw new UnsupportedOperationException("ONNX export: no ONNX type for " + t);
        };
    }

    private String tensor(long[] dims, int type, byte[] raw) {
        String name = "init_" + initializers.size();
        initializers.put(name, message(out -> {
            for (long d : dims) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, type);
            out.writeString(8, name);
            out.writeBytes(9, ByteString.copyFrom(raw));
        }));
        return name;
    }

    private static byte[] rawBytes(NDArray a) {
        ByteBuffer src = a.toByteBuffer();
        byte[] out = new byte[src.remaining()];
        ByteOrder order = src.order();
        int width = a.getDataType().getNumOfBytes();
        src.get(out);
        if (order != ByteOrder.LITTLE_ENDIAN && width > 1) {
            for (int i = 0; i < out.length; i += width) {
                for (int j = 0; j < width / 2; j++) {
                    byte t = out[i + j];
                    out[i + j] = out[i + width - 1 - j];
                    out[i + width - 1 - j] = t;
                }
            }
        }
        return out;
    }

    private static byte[] scalarBytes(Number v, DataType type) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT32 -> b.putFloat(v.floatValue());
            case FLOAT64 -> b.putDouble(v.doubleValue());
            case INT64 -> b.putLong(v.longValue());
            case INT32 -> b.putInt(v.intValue());
            case BOOLEAN, UINT8, INT8 -> b.put((byte) v.intValue());
            default -> throw new UnsupportedOperationException("ONNX export: no scalar of type " + type);
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static byte[] longBytes(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return b.array();
    }

    private static ByteString nodeBytes(Node n) {
        return message(out -> {
            for (String in : n.inputs()) {
                out.writeString(1, in);
            }
            for (String o : n.outputs()) {
                out.writeString(2, o);
            }
            out.writeString(3, n.outputs().get(0));
            out.writeString(4, n.op());
            for (ByteString a : n.attributes()) {
                out.writeBytes(5, a);
            }
        });
    }

    private static ByteString valueInfo(ValueInfo v) {
        ByteString shape = message(out -> {
            for (int i = 0; i < v.dims().length; i++) {
                long d = v.dims()[i];
                boolean batch = i == 0 && v.batched();
                out.writeBytes(1, message(o -> {
                    if (batch) {
                        o.writeString(2, "batch");
                    } else if (d == Long.MIN_VALUE) {
                        return; // unknown: a branch output's dimension
                    } else if (d < 0) {
                        o.writeString(2, "sequence");
                    } else {
                        o.writeInt64(1, d);
                    }
                }));
            }
        });
        ByteString tensorType = message(out -> {
            out.writeInt32(1, v.type());
            out.writeBytes(2, shape);
        });
        return message(out -> {
            out.writeString(1, v.name());
            out.writeBytes(2, message(o -> o.writeBytes(1, tensorType)));
        });
    }

    private static ByteString message(Body body) {
        ByteString.Output bytes = ByteString.newOutput();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteString();
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }
}
