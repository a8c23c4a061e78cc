package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import com.google.protobuf.ByteString;
import io.github.tokenreduce.djl.export.OnnxGraph;

import java.util.List;
import java.util.Map;

/**
 * CLIP's vision tower (OpenAI naming, QuickGELU, pre-LN, eps 1e-5) written as an ONNX model (opset 17,
 * static batch) with the given weights as initializers, the graph {@code torch.onnx.export} produces
 * for it: so ONNX Runtime Java can run the same model as a bench peer. Input {@code pixels}
 * [B, 3, S, S]; output {@code features} [B, E], the projected CLS before normalisation. Written with
 * {@link OnnxGraph} (protobuf-java, ONNX's field numbers from {@code onnx.proto}).
 */
final class OnnxClipVision {

    private final Map<String, NDArray> w;
    private final long batch;
    private final OnnxGraph graph = new OnnxGraph();

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

        String x = node("Conv", List.of("pixels", init(w.get("visual.conv1.weight"))), OnnxGraph.ints("strides", patch, patch));
        x = node("Transpose", List.of(node("Reshape", List.of(x, longs(batch, width, -1)))), OnnxGraph.ints("perm", 0, 2, 1));
        String cls;
        try (NDArray c = w.get("visual.class_embedding").reshape(1, 1, width)) {
            cls = node("Expand", List.of(init(c), longs(batch, 1, width)));
        }
        x = node("Concat", List.of(cls, x), OnnxGraph.attr("axis", 1));
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
            String o = node("MatMul", List.of(node("Softmax", List.of(s), OnnxGraph.attr("axis", -1)), v));
            o = node("Reshape", List.of(node("Transpose", List.of(o), OnnxGraph.ints("perm", 0, 2, 1, 3)), longs(batch, -1, width)));
            x = node("Add", List.of(x, linear(o, w.get(p + "attn.out_proj.weight"), w.get(p + "attn.out_proj.bias"))));
            h = linear(layerNorm(x, p + "ln_2"), w.get(p + "mlp.c_fc.weight"), w.get(p + "mlp.c_fc.bias"));
            h = node("Mul", List.of(h, node("Sigmoid", List.of(node("Mul", List.of(h, scalar(1.702f)))))));
            x = node("Add", List.of(x, linear(h, w.get(p + "mlp.c_proj.weight"), w.get(p + "mlp.c_proj.bias"))));
        }
        x = node("Gather", List.of(x, graph.scalar(0L, DataType.INT64)), OnnxGraph.attr("axis", 1));
        String features = node("MatMul", List.of(layerNorm(x, "visual.ln_post"), init(w.get("visual.proj"))));
        graph.input("pixels", DataType.FLOAT32, new long[] {batch, 3, side, side}, false);
        graph.output("features", features, DataType.FLOAT32, new long[] {batch, embed}, false);
        return graph.toBytes("clip_vision");
    }

    private String layerNorm(String x, String prefix) {
        return node("LayerNormalization", List.of(x, init(w.get(prefix + ".weight")), init(w.get(prefix + ".bias"))),
                OnnxGraph.attr("axis", -1), OnnxGraph.attr("epsilon", 1e-5f));
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
                OnnxGraph.ints("perm", perm));
    }

    private String node(String op, List<String> inputs, ByteString... attributes) {
        return graph.node(op, inputs, attributes);
    }

    private String init(NDArray a) {
        return graph.initializer(a);
    }

    private String scalar(float f) {
        return graph.scalar(f, DataType.FLOAT32);
    }

    private String longs(long... v) {
        return graph.longs(v);
    }
}
