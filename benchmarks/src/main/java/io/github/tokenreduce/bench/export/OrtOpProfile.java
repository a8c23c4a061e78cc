package io.github.tokenreduce.bench.export;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.tokenreduce.djl.weights.onnx.OnnxModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * ONNX Runtime's own profile of an exported graph: a session with every optimisation and profiling on
 * (the optimised graph written beside it), and, once profiling ends, the time its kernels took per
 * operator type and execution provider. Shared by {@link OrtKernelProfile} and {@link BlipOrtProfile}.
 */
final class OrtOpProfile implements AutoCloseable {

    /** Time of one operator type (and provider) over the profiled forwards. */
    record OpTime(double micros, int calls) {}

    private final OrtSession session;
    private final Path optimized;

    /**
     * Opens {@code graph} with all optimisations, writing the profile under {@code dir} as {@code name}, and
     * the optimised graph beside it when {@code keepOptimized} (for {@link #optimizedNodeTypes}).
     */
    OrtOpProfile(Path graph, Path dir, String name, boolean keepOptimized) throws OrtException {
        this.optimized = keepOptimized ? dir.resolve(name + "-optimized.onnx") : null;
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (keepOptimized) {
                o.setOptimizedModelFilePath(optimized.toString());
            }
            o.enableProfiling(dir.resolve(name + "-profile").toString());
            session = OrtEnvironment.getEnvironment().createSession(graph.toString(), o);
        }
    }

    /** The profiled session. */
    OrtSession session() {
        return session;
    }

    /** Node types of the graph after ONNX Runtime's optimisations (in If branches too), with their counts. */
    Map<String, Integer> optimizedNodeTypes() throws IOException {
        if (optimized == null) {
            throw new IllegalStateException("the optimised graph was not kept");
        }
        Map<String, Integer> types = new TreeMap<>();
        for (OnnxModel.Node n : OnnxModel.read(optimized).nodes()) {
            types.merge(n.opType(), 1, Integer::sum);
        }
        return types;
    }

    /**
     * Ends profiling; the kernel time per "operator (provider)" of the forwards after the first {@code skip}
     * (warm-up) ones.
     */
    Map<String, OpTime> kernelTimes(int skip) throws OrtException, IOException {
        JsonArray events = JsonParser.parseString(Files.readString(Path.of(session.endProfiling()))).getAsJsonArray();
        double from = Double.NEGATIVE_INFINITY; // the end of the last skipped forward
        int runs = 0;
        for (JsonElement e : events) {
            JsonObject ev = e.getAsJsonObject();
            if ("model_run".equals(ev.get("name").getAsString()) && runs++ < skip) {
                from = Math.max(from, ev.get("ts").getAsDouble() + ev.get("dur").getAsDouble());
            }
        }
        Map<String, OpTime> byOp = new TreeMap<>();
        for (JsonElement e : events) {
            JsonObject ev = e.getAsJsonObject();
            if (!"Node".equals(ev.get("cat").getAsString()) || !ev.get("name").getAsString().endsWith("_kernel_time")
                    || ev.get("ts").getAsDouble() < from) {
                continue;
            }
            JsonObject a = ev.getAsJsonObject("args");
            String key = a.get("op_name").getAsString() + " (" + a.get("provider").getAsString() + ")";
            byOp.merge(key, new OpTime(ev.get("dur").getAsDouble(), 1),
                    (x, y) -> new OpTime(x.micros() + y.micros(), x.calls() + y.calls()));
        }
        return byOp;
    }

    /** Total kernel time of {@code times}, microseconds. */
    static double total(Map<String, OpTime> times) {
        return times.values().stream().mapToDouble(OpTime::micros).sum();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
