package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CLIP's vision tower (OpenAI naming, QuickGELU, pre-LN, eps 1e-5) written as an ONNX model (opset 17,
 * static batch) with the given weights as initializers, the graph {@code torch.onnx.export} produces
 * for it: so ONNX Runtime Java can run the same model as a bench peer. Input {@code pixels}
 * [B, 3, S, S]; output {@code features} [B, E], the projected CLS before normalisation. Written with
 * protobuf-java's {@link CodedOutputStream} (ONNX's field numbers from {@code onnx.proto}).
 */
final class OnnxClipVision {

    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    private final Map<String, NDArray> w;
    private final long batch;
    private final List<ByteString> nodes = new ArrayList<>();
    private final List<ByteString> initializers = new ArrayList<>();
    private int next;

    private OnnxClipVision(Map<String, NDArray> w, long batch) {
        this.w = w;
        this.batch = batch;
    }

    /** The model file's bytes for the {@code visual.*} tensors of {@code weights}, {@code heads} heads per layer. */
    static byte[] write(Map<String, NDArray> weights, int batch, int heads) {
        return new OnnxClipVision(weights, batch).model(heads);
    }

    private byte[] model(int heads) {
        long[] conv = w.get("visual.conv1.weight").getShape().getShape();
        long width = conv[0];
        long patch = conv[2];
        long tokens = w.get("visual.positional_embedding").getShape().get(0);
        long side = patch * Math.round(Math.sqrt(tokens - 1));
        long embed = w.get("visual.proj").getShape().get(1);

        String x = node("Conv", List.of("pixels", init(w.get("visual.conv1.weight"))), ints("strides", patch, patch));
        x = node("Transpose", List.of(node("Reshape", List.of(x, longs(batch, width, -1)))), ints("perm", 0, 2, 1));
        String cls;
        try (NDArray c = w.get("visual.class_embedding").reshape(1, 1, width)) {
            cls = node("Expand", List.of(init(c), longs(batch, 1, width)));
        }
        x = node("Concat", List.of(cls, x), integer("axis", 1));
        x = node("Add", List.of(x, init(w.get("visual.positional_embedding"))));
        x = layerNorm(x, "visual.ln_pre");
        for (int i = 0; w.containsKey("visual.transformer.resblocks." + i + ".ln_1.weight"); i++) {
            String p = "visual.transformer.resblocks." + i + ".";
            String h = layerNorm(x, p + "ln_1");
            NDList qkvW = w.get(p + "attn.in_proj_weight").split(3, 0);
            NDList qkvB = w.get(p + "attn.in_proj_bias").split(3, 0);
            String q = headsOf(linear(h, qkvW.get(0), qkvB.get(0)), heads, width, 0, 2, 1, 3);
            String k = headsOf(linear(h, qkvW.get(1), qkvB.get(1)), heads, width, 0, 2, 3, 1);
            String v = headsOf(linear(h, qkvW.get(2), qkvB.get(2)), heads, width, 0, 2, 1, 3);
            qkvW.close();
            qkvB.close();
            String s = node("Mul", List.of(node("MatMul", List.of(q, k)), scalar((float) (1 / Math.sqrt(width / heads)))));
            String o = node("MatMul", List.of(node("Softmax", List.of(s), integer("axis", -1)), v));
            o = node("Reshape", List.of(node("Transpose", List.of(o), ints("perm", 0, 2, 1, 3)), longs(batch, -1, width)));
            x = node("Add", List.of(x, linear(o, w.get(p + "attn.out_proj.weight"), w.get(p + "attn.out_proj.bias"))));
            h = linear(layerNorm(x, p + "ln_2"), w.get(p + "mlp.c_fc.weight"), w.get(p + "mlp.c_fc.bias"));
            h = node("Mul", List.of(h, node("Sigmoid", List.of(node("Mul", List.of(h, scalar(1.702f)))))));
            x = node("Add", List.of(x, linear(h, w.get(p + "mlp.c_proj.weight"), w.get(p + "mlp.c_proj.bias"))));
        }
        x = node("Gather", List.of(x, tensor(new long[0], INT64, longBytes(0))), integer("axis", 1));
        String features = node("MatMul", List.of(layerNorm(x, "visual.ln_post"), init(w.get("visual.proj"))));

        ByteString graph = message(out -> {
            for (ByteString n : nodes) {
                out.writeBytes(1, n);
            }
            out.writeString(2, "clip_vision");
            for (ByteString t : initializers) {
                out.writeBytes(5, t);
            }
            out.writeBytes(11, valueInfo("pixels", batch, 3, side, side));
            out.writeBytes(12, valueInfo(features, batch, embed));
        });
        return message(out -> {
            out.writeInt64(1, 8); // IR version
            out.writeString(2, "tokenreduce");
            out.writeBytes(7, graph);
            out.writeBytes(8, message(o -> {
                o.writeString(1, "");
                o.writeInt64(2, 17);
            }));
        }).toByteArray();
    }

    private String layerNorm(String x, String prefix) {
        return node("LayerNormalization", List.of(x, init(w.get(prefix + ".weight")), init(w.get(prefix + ".bias"))),
                integer("axis", -1), real("epsilon", 1e-5f));
    }

    /** x · Wᵀ + b for a PyTorch [out, in] weight. */
    private String linear(String x, NDArray weight, NDArray bias) {
        try (NDArray t = weight.transpose()) {
            return node("Add", List.of(node("MatMul", List.of(x, init(t))), init(bias)));
        }
    }

    /** [B, T, C] → [B, T, H, C/H], then permuted. */
    private String headsOf(String x, int heads, long width, long... perm) {
        return node("Transpose", List.of(node("Reshape", List.of(x, longs(batch, -1, heads, width / heads)))),
                ints("perm", perm));
    }

    private String node(String op, List<String> inputs, ByteString... attributes) {
        String output = op.toLowerCase() + "_" + next++;
        nodes.add(message(out -> {
            for (String in : inputs) {
                out.writeString(1, in);
            }
            out.writeString(2, output);
            out.writeString(3, output);
            out.writeString(4, op);
            for (ByteString a : attributes) {
                out.writeBytes(5, a);
            }
        }));
        return output;
    }

    private String init(NDArray a) {
        return tensor(a.getShape().getShape(), FLOAT, floatBytes(a));
    }

    private String scalar(float f) {
        return tensor(new long[0], FLOAT, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(f).array());
    }

    private String longs(long... v) {
        return tensor(new long[] {v.length}, INT64, longBytes(v));
    }

    private String tensor(long[] dims, int type, byte[] raw) {
        String name = "init_" + initializers.size();
        initializers.add(message(out -> {
            for (long d : dims) {
                out.writeInt64(1, d);
            }
            out.writeInt32(2, type);
            out.writeString(8, name);
            out.writeBytes(9, ByteString.copyFrom(raw));
        }));
        return name;
    }

    private static byte[] floatBytes(NDArray a) {
        float[] v = a.toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static byte[] longBytes(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return b.array();
    }

    private static ByteString valueInfo(String name, long... dims) {
        ByteString shape = message(out -> {
            for (long d : dims) {
                out.writeBytes(1, message(o -> o.writeInt64(1, d)));
            }
        });
        ByteString tensorType = message(out -> {
            out.writeInt32(1, FLOAT);
            out.writeBytes(2, shape);
        });
        return message(out -> {
            out.writeString(1, name);
            out.writeBytes(2, message(o -> o.writeBytes(1, tensorType)));
        });
    }

    private static ByteString integer(String name, long v) {
        return message(out -> {
            out.writeString(1, name);
            out.writeInt64(3, v);
            out.writeInt32(20, 2); // INT
        });
    }

    private static ByteString real(String name, float v) {
        return message(out -> {
            out.writeString(1, name);
            out.writeFloat(2, v);
            out.writeInt32(20, 1); // FLOAT
        });
    }

    private static ByteString ints(String name, long... v) {
        return message(out -> {
            out.writeString(1, name);
            for (long x : v) {
                out.writeInt64(8, x);
            }
            out.writeInt32(20, 7); // INTS
        });
    }

    /** A message's bytes, written by {@code body}. */
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
