package io.github.tokenreduce.djl.weights.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.github.tokenreduce.djl.weights.dtype.HalfFloats;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model's initializers (its weights) and graph nodes, read with protobuf-java against
 * {@link OnnxSchema}. Initializers in FLOAT, FLOAT16, BFLOAT16, DOUBLE (as float32) and INT64 /
 * INT32 (as int64), stored as {@code raw_data} or typed fields, become NDArrays; the nodes (name,
 * op type, inputs, outputs) let a model map anonymous initializers ({@code onnx::MatMul_1234}) to
 * their roles. A truncated or corrupt file, external data, or an unsupported type is an
 * {@link IllegalArgumentException} naming the file and the tensor.
 */
public final class OnnxModel {

    /** One graph node. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

    private final String source;
    private final long opset;
    private final List<Node> nodes;
    private final List<String> outputs;
    private final Map<String, Message> initializers;
    private final Map<String, Message> constants;

    private OnnxModel(String source, long opset, List<Node> nodes, List<String> outputs,
            Map<String, Message> initializers, Map<String, Message> constants) {
        this.source = source;
        this.opset = opset;
        this.nodes = nodes;
        this.outputs = outputs;
        this.initializers = initializers;
        this.constants = constants;
    }

    /** Reads an {@code .onnx} file. */
    public static OnnxModel read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads an ONNX model from a stream (e.g. a jar resource); {@code source} names it in errors. */
    public static OnnxModel read(InputStream in, String source) throws IOException {
        Message model;
        try {
            CodedInputStream cin = CodedInputStream.newInstance(in);
            cin.setSizeLimit(Integer.MAX_VALUE);
            model = DynamicMessage.parseFrom(OnnxSchema.MODEL, cin);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("onnx " + source + ": truncated or not an ONNX model (" + e.getMessage()
                    + ")", e);
        }
        Message graph = (Message) model.getField(OnnxSchema.MODEL.findFieldByName("graph"));
        if (!model.hasField(OnnxSchema.MODEL.findFieldByName("graph"))) {
            throw new IllegalArgumentException("onnx " + source + ": no graph (not an ONNX model, or an empty one)");
        }
        long opset = 0;
        for (Object o : (List<?>) model.getField(OnnxSchema.MODEL.findFieldByName("opset_import"))) {
            Message m = (Message) o;
            String domain = (String) m.getField(OnnxSchema.OPSET.findFieldByName("domain"));
            if (domain.isEmpty() || domain.equals("ai.onnx")) {
                opset = (Long) m.getField(OnnxSchema.OPSET.findFieldByName("version"));
            }
        }
        List<Node> nodes = new ArrayList<>();
        Map<String, Message> constants = new LinkedHashMap<>();
        for (Object o : (List<?>) graph.getField(OnnxSchema.GRAPH.findFieldByName("node"))) {
            Message n = (Message) o;
            Node node = new Node((String) n.getField(OnnxSchema.NODE.findFieldByName("name")),
                    (String) n.getField(OnnxSchema.NODE.findFieldByName("op_type")),
                    strings(n.getField(OnnxSchema.NODE.findFieldByName("input"))),
                    strings(n.getField(OnnxSchema.NODE.findFieldByName("output"))));
            nodes.add(node);
            if (node.opType().equals("Constant") && node.outputs().size() == 1) {
                for (Object a : (List<?>) n.getField(OnnxSchema.NODE.findFieldByName("attribute"))) {
                    Message attr = (Message) a;
                    if ("value".equals(attr.getField(OnnxSchema.ATTRIBUTE.findFieldByName("name")))
                            && attr.hasField(OnnxSchema.ATTRIBUTE.findFieldByName("t"))) {
                        constants.put(node.outputs().get(0),
                                (Message) attr.getField(OnnxSchema.ATTRIBUTE.findFieldByName("t")));
                    }
                }
            }
        }
        List<String> outputs = new ArrayList<>();
        for (Object o : (List<?>) graph.getField(OnnxSchema.GRAPH.findFieldByName("output"))) {
            Message v = (Message) o;
            outputs.add((String) v.getField(v.getDescriptorForType().findFieldByName("name")));
        }
        Map<String, Message> inits = new LinkedHashMap<>();
        for (Object o : (List<?>) graph.getField(OnnxSchema.GRAPH.findFieldByName("initializer"))) {
            Message t = (Message) o;
            inits.put((String) t.getField(OnnxSchema.TENSOR.findFieldByName("name")), t);
        }
        return new OnnxModel(source, opset, Collections.unmodifiableList(nodes), List.copyOf(outputs),
                Collections.unmodifiableMap(inits), Collections.unmodifiableMap(constants));
    }

    /** The default-domain opset version. */
    public long opset() {
        return opset;
    }

    /** The graph's nodes, in file order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** The graph's output names. */
    public List<String> outputs() {
        return outputs;
    }

    /** Initializer names, in file order. */
    public List<String> initializerNames() {
        return List.copyOf(initializers.keySet());
    }

    /** The initializer {@code name} as an NDArray on {@code manager}, or null when absent. */
    public NDArray initializer(String name, NDManager manager) {
        Message t = initializers.get(name);
        return t == null ? null : tensor(name, t, manager);
    }

    /** The value of the {@code Constant} node producing {@code output}, or null when there is none. */
    public NDArray constant(String output, NDManager manager) {
        Message t = constants.get(output);
        return t == null ? null : tensor(output, t, manager);
    }

    /** The node producing {@code output}, or null. */
    public Node producer(String output) {
        for (Node n : nodes) {
            if (n.outputs().contains(output)) {
                return n;
            }
        }
        return null;
    }

    /** The node named {@code name}, or null. */
    public Node node(String name) {
        for (Node n : nodes) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    private NDArray tensor(String name, Message t, NDManager manager) {
        int location = (Integer) t.getField(OnnxSchema.TENSOR.findFieldByName("data_location"));
        if (location == 1) {
            throw new IllegalArgumentException("onnx " + source + ": initializer '" + name
                    + "' keeps its data in an external file, which is not supported");
        }
        List<?> dimList = (List<?>) t.getField(OnnxSchema.TENSOR.findFieldByName("dims"));
        long[] dims = new long[dimList.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = (Long) dimList.get(i);
            if (dims[i] < 0) {
                throw new IllegalArgumentException("onnx " + source + ": initializer '" + name + "' has dims " + dimList);
            }
            count = Math.multiplyExact(count, dims[i]);
        }
        if (count > Integer.MAX_VALUE / 8) {
            throw new IllegalArgumentException("onnx " + source + ": initializer '" + name + "' is too large (" + count
                    + " elements)");
        }
        int n = (int) count;
        int type = (Integer) t.getField(OnnxSchema.TENSOR.findFieldByName("data_type"));
        ByteString raw = (ByteString) t.getField(OnnxSchema.TENSOR.findFieldByName("raw_data"));
        boolean hasRaw = t.hasField(OnnxSchema.TENSOR.findFieldByName("raw_data"));
        Shape shape = new Shape(dims);
        switch (type) {
            case 1, 10, 16, 11 -> { // FLOAT, FLOAT16, BFLOAT16, DOUBLE
                float[] v = new float[n];
                if (hasRaw) {
                    int width = type == 1 ? 4 : type == 11 ? 8 : 2;
                    ByteBuffer b = rawOf(name, raw, (long) n * width);
                    for (int i = 0; i < n; i++) {
                        v[i] = switch (type) {
                            case 1 -> b.getFloat(i * 4);
                            case 11 -> (float) b.getDouble(i * 8);
                            case 16 -> HalfFloats.bfloat16(b.getShort(i * 2));
                            default -> HalfFloats.half(b.getShort(i * 2));
                        };
                    }
                } else if (type == 1) {
                    List<?> f = typed(name, t, "float_data", n);
                    for (int i = 0; i < n; i++) {
                        v[i] = (Float) f.get(i);
                    }
                } else if (type == 11) {
                    List<?> f = typed(name, t, "double_data", n);
                    for (int i = 0; i < n; i++) {
                        v[i] = ((Double) f.get(i)).floatValue();
                    }
                } else {
                    List<?> f = typed(name, t, "int32_data", n); // f16/bf16 bit patterns
                    for (int i = 0; i < n; i++) {
                        int bits = (Integer) f.get(i);
                        v[i] = type == 16 ? HalfFloats.bfloat16(bits) : HalfFloats.half(bits);
                    }
                }
                return manager.create(FloatBuffer.wrap(v), shape, DataType.FLOAT32);
            }
            case 7, 6 -> { // INT64, INT32
                long[] v = new long[n];
                if (hasRaw) {
                    ByteBuffer b = rawOf(name, raw, (long) n * (type == 7 ? 8 : 4));
                    for (int i = 0; i < n; i++) {
                        v[i] = type == 7 ? b.getLong(i * 8) : b.getInt(i * 4);
                    }
                } else {
                    List<?> f = typed(name, t, type == 7 ? "int64_data" : "int32_data", n);
                    for (int i = 0; i < n; i++) {
                        v[i] = ((Number) f.get(i)).longValue();
                    }
                }
                return manager.create(LongBuffer.wrap(v), shape, DataType.INT64);
            }
            default -> throw new IllegalArgumentException("onnx " + source + ": initializer '" + name
                    + "' has data type " + type + "; expected FLOAT, FLOAT16, BFLOAT16, DOUBLE, INT32 or INT64");
        }
    }

    private ByteBuffer rawOf(String name, ByteString raw, long bytes) {
        if (raw.size() != bytes) {
            throw new IllegalArgumentException("onnx " + source + ": initializer '" + name + "' holds " + raw.size()
                    + " bytes of raw data, not the " + bytes + " its dims need");
        }
        return raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private List<?> typed(String name, Message t, String field, int n) {
        List<?> f = (List<?>) t.getField(OnnxSchema.TENSOR.findFieldByName(field));
        if (f.size() != n) {
            throw new IllegalArgumentException("onnx " + source + ": initializer '" + name + "' holds " + f.size()
                    + " values in " + field + ", not the " + n + " its dims need");
        }
        return f;
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        for (Object x : (List<?>) o) {
            out.add((String) x);
        }
        return Collections.unmodifiableList(out);
    }
}
