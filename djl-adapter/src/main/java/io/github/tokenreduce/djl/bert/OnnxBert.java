package io.github.tokenreduce.djl.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import io.github.tokenreduce.djl.weights.onnx.OnnxModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A BERT exported to ONNX by {@code torch.onnx.export} (the sentence encoders in langchain4j's
 * jars), back to Hugging Face {@code BertModel} names. Named initializers (biases, LayerNorms,
 * embeddings) keep their names; each dense weight is an anonymous {@code onnx::MatMul_NNN} stored
 * [in, out], and only the {@code MatMul} node that consumes it tells its role:
 * {@code /encoder/layer.N/attention/self/query/MatMul} is {@code encoder.layer.N.attention.self.query.weight},
 * transposed back to [out, in].
 */
final class OnnxBert {

    private static final Pattern MATMUL = Pattern.compile("^/((?:embeddings|encoder|pooler)/.*)/MatMul$");

    private OnnxBert() {}

    /** The model's weights under Hugging Face names, on {@code manager}. */
    static Map<String, NDArray> tensors(OnnxModel onnx, String source, NDManager manager) {
        Map<String, String> roles = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> inits = onnx.initializerNames();
        for (OnnxModel.Node n : onnx.nodes()) {
            if (!n.opType().equals("MatMul")) {
                continue;
            }
            for (String in : n.inputs()) {
                if (!in.startsWith("onnx::") || !inits.contains(in)) {
                    continue;
                }
                Matcher m = MATMUL.matcher(n.name());
                if (!m.matches()) {
                    problems.add("initializer " + in + " feeds MatMul node '" + n.name()
                            + "', whose name does not tell a BERT role (expected /encoder/layer.N/.../MatMul)");
                    continue;
                }
                String role = m.group(1).replace('/', '.') + ".weight";
                String before = roles.put(in, role);
                if (before != null && !before.equals(role)) {
                    problems.add("initializer " + in + " feeds both " + before + " and " + role);
                }
            }
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String name : inits) {
            if (name.startsWith("onnx::")) {
                String role = roles.get(name);
                if (role == null) {
                    problems.add("initializer " + name + " feeds no MatMul node, so its role is unknown");
                    continue;
                }
                NDArray w = onnx.initializer(name, manager);
                if (w.getShape().dimension() != 2) {
                    problems.add("initializer " + name + " (" + role + ") has shape " + w.getShape() + ", expected [in, out]");
                    continue;
                }
                out.put(role, w.transpose());
            } else {
                out.put(name, onnx.initializer(name, manager));
            }
        }
        if (!problems.isEmpty()) {
            throw new WeightMismatchException(source, problems);
        }
        return out;
    }
}
