package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX file in an ONNX Runtime session (CPU) that takes float32 or int64 inputs and gives every
 * output as an array on a DJL manager: how an export is checked against the eager path it was traced
 * from ({@link #run(Path, String, NDArray, NDManager)}, one run) and how a reduced model runs on ONNX
 * Runtime ({@link #open}, then {@link #run(String, NDArray, NDManager)} per batch). A missing,
 * truncated or foreign file, or one whose input does not fit, is refused by {@link OnnxFile}. A
 * session may be run from several threads (ONNX Runtime's sessions are).
 */
public final class OnnxRuntimeRun implements AutoCloseable {

    private final Path file;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;

    private OnnxRuntimeRun(Path file, OrtSession.SessionOptions options, OrtSession session) {
        this.file = file;
        this.options = options;
        this.session = session;
    }

    /**
     * Opens {@code file}, checking that it takes one input {@code inputName} of {@code type} (int64 or
     * float32) that an array of {@code shape} fits.
     */
    public static OnnxRuntimeRun open(Path file, String inputName, long[] shape, DataType type) {
        return open(file, List.of(new OnnxFile.Input(inputName, shape, javaType(type))));
    }

    /** Opens {@code file}, checking that it takes exactly the inputs of {@code like} (names, shapes, types). */
    public static OnnxRuntimeRun open(Path file, Map<String, NDArray> like) {
        List<OnnxFile.Input> inputs = new ArrayList<>();
        like.forEach((name, a) -> inputs.add(new OnnxFile.Input(name, a.getShape().getShape(),
                javaType(a.getDataType()))));
        return open(file, inputs);
    }

    private static OnnxRuntimeRun open(Path file, List<OnnxFile.Input> inputs) {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            return new OnnxRuntimeRun(file, options, OnnxFile.open(file, options, inputs));
        } catch (RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /**
     * The outputs of {@code file} for {@code input} fed as {@code inputName} (int64 when
     * {@code input} is, else float32); float outputs become float32 arrays, integer outputs int64.
     */
    public static Map<String, NDArray> run(Path file, String inputName, NDArray input, NDManager manager) {
        return run(file, Map.of(inputName, input), manager);
    }

    /** The outputs of {@code file} for {@code inputs} by name, as {@link #run(Path, String, NDArray, NDManager)}. */
    public static Map<String, NDArray> run(Path file, Map<String, NDArray> inputs, NDManager manager) {
        try (OnnxRuntimeRun r = open(file, inputs)) {
            return r.run(inputs, manager);
        }
    }

    /** This session's outputs for {@code input} fed as {@code inputName}, as {@link #run(Path, String, NDArray, NDManager)}. */
    public Map<String, NDArray> run(String inputName, NDArray input, NDManager manager) {
        return run(Map.of(inputName, input), manager);
    }

    /** This session's outputs for {@code inputs} by name (int64 arrays stay int64, others become float32). */
    public Map<String, NDArray> run(Map<String, NDArray> inputs, NDManager manager) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, NDArray> e : inputs.entrySet()) {
                NDArray input = e.getValue();
                long[] dims = input.getShape().getShape();
                feed.put(e.getKey(), input.getDataType() == DataType.INT64
                        ? OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(input.toLongArray()), dims)
                        : OnnxTensor.createTensor(env,
                                FloatBuffer.wrap(input.toType(DataType.FLOAT32, false).toFloatArray()), dims));
            }
            try (OrtSession.Result result = session.run(feed)) {
                return outputs(result, manager);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not run " + file + ": " + e.getMessage(), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    private static Map<String, NDArray> outputs(OrtSession.Result result, NDManager manager) throws OrtException {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : result) {
            OnnxTensor t = (OnnxTensor) e.getValue();
            TensorInfo info = t.getInfo();
            Shape shape = new Shape(info.getShape());
            if (info.type == OnnxJavaType.FLOAT) {
                FloatBuffer b = t.getFloatBuffer();
                float[] v = new float[b.remaining()];
                b.get(v);
                out.put(e.getKey(), manager.create(v, shape));
            } else if (info.type == OnnxJavaType.INT64) {
                java.nio.LongBuffer b = t.getLongBuffer();
                long[] v = new long[b.remaining()];
                b.get(v);
                out.put(e.getKey(), manager.create(v, shape));
            } else {
                throw new IllegalStateException("ONNX Runtime: output " + e.getKey() + " has type " + info.type
                        + "; expected float or int64");
            }
        }
        return out;
    }

    private static OnnxJavaType javaType(DataType type) {
        return type == DataType.INT64 ? OnnxJavaType.INT64 : OnnxJavaType.FLOAT;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: cannot close the session of " + file + ": " + e.getMessage(), e);
        } finally {
            options.close();
        }
    }
}
