package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.tokenreduce.cli.text.OrtSentenceEncoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX Runtime Java running an in-memory ONNX model on fixed inputs (float32 or int64), as a bench peer or
 * an exported graph, in a session opened as every peer's is ({@link OrtSentenceEncoder#session}: default threads, all cores).
 */
final class OrtPeer implements AutoCloseable {

    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs;

    private OrtPeer(OrtSession session, Map<String, OnnxTensor> inputs) {
        this.session = session;
        this.inputs = inputs;
    }

    /** Writes an ONNX graph to the file it is given. */
    @FunctionalInterface
    interface GraphWriter {
        void write(Path file) throws IOException;
    }

    /** A session for {@code onnx} with {@code value} bound to its input {@code name}. */
    static OrtPeer open(byte[] onnx, String name, NDArray value) {
        return open(onnx, Map.of(name, value));
    }

    /**
     * A session for {@code onnx} with each of {@code values} (float32 or int64) bound to the input of its name.
     *
     * @throws IllegalArgumentException for an array of another type
     */
    static OrtPeer open(byte[] onnx, Map<String, NDArray> values) {
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            for (Map.Entry<String, NDArray> e : values.entrySet()) {
                NDArray v = e.getValue();
                long[] shape = v.getShape().getShape();
                tensors.put(e.getKey(), switch (v.getDataType()) {
                    case FLOAT32 -> OnnxTensor.createTensor(env, FloatBuffer.wrap(v.toFloatArray()), shape);
                    case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(v.toLongArray()), shape);
                    default -> throw new IllegalArgumentException("onnxruntime peer: input " + e.getKey() + " is "
                            + v.getDataType() + "; expected float32 or int64");
                });
            }
            return new OrtPeer(OrtSentenceEncoder.session(onnx, 0), tensors);
        } catch (OrtException | RuntimeException e) {
            tensors.values().forEach(OnnxTensor::close);
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("onnxruntime: cannot open the peer model: " + e.getMessage(), e);
        }
    }

    /**
     * The graph {@code writer} exports (to a temporary file, removed after) in a session with
     * {@code values} bound to its inputs: the graph is held in memory until {@link #close}.
     */
    static OrtPeer exported(GraphWriter writer, Map<String, NDArray> values) {
        byte[] onnx;
        try {
            Path tmp = Files.createTempFile("tokenreduce-bench-", ".onnx");
            try {
                writer.write(tmp);
                onnx = Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("export for ONNX Runtime: " + e.getMessage(), e);
        }
        return open(onnx, values);
    }

    /** One forward; returns the output {@code tokens_per_layer} as counts. */
    int[] tokensPerLayer() {
        return Arrays.stream((long[]) run("tokens_per_layer")).mapToInt(Math::toIntExact).toArray();
    }

    /** One forward; returns the first output [rows][cols]. */
    float[][] run() {
        try (OrtSession.Result r = session.run(inputs)) {
            return (float[][]) r.get(0).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }

    /** One forward; returns the output {@code name} as ONNX Runtime's Java value (float[][], long[], ...). */
    Object run(String name) {
        try (OrtSession.Result r = session.run(inputs)) {
            return r.get(name).orElseThrow(() -> new IllegalStateException("onnxruntime: the model has no output '"
                    + name + "'")).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        inputs.values().forEach(OnnxTensor::close);
        try {
            session.close();
        } catch (OrtException ignored) {
            // nothing held that matters at exit
        }
    }
}
