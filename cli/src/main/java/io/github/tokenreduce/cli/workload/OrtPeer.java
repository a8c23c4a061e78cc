package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.tokenreduce.cli.text.OrtSentenceEncoder;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * ONNX Runtime Java running an in-memory ONNX model on one fixed float input, as a bench peer, in a
 * session opened as every peer's is ({@link OrtSentenceEncoder#session}: default threads, all cores).
 */
final class OrtPeer implements AutoCloseable {

    private final OrtSession session;
    private final OnnxTensor input;
    private final String inputName;

    private OrtPeer(OrtSession session, OnnxTensor input, String inputName) {
        this.session = session;
        this.input = input;
        this.inputName = inputName;
    }

    /** A session for {@code onnx} with {@code value} bound to its input {@code name}. */
    static OrtPeer open(byte[] onnx, String name, NDArray value) {
        try {
            OrtSession s = OrtSentenceEncoder.session(onnx, 0);
            OnnxTensor t = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(),
                    FloatBuffer.wrap(value.toFloatArray()), value.getShape().getShape());
            return new OrtPeer(s, t, name);
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: cannot open the peer model: " + e.getMessage(), e);
        }
    }

    /** One forward; returns the first output [rows][cols]. */
    float[][] run() {
        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
            return (float[][]) r.get(0).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }

    /** One forward; returns the output {@code name} as ONNX Runtime's Java value (float[][], long[], ...). */
    Object run(String name) {
        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
            return r.get(name).orElseThrow(() -> new IllegalStateException("onnxruntime: the model has no output '"
                    + name + "'")).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        input.close();
        try {
            session.close();
        } catch (OrtException ignored) {
            // nothing held that matters at exit
        }
    }
}
