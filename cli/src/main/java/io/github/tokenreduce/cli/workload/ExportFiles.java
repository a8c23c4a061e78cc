package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A workload's model files for an ONNX export: its path, or its in-memory weights written once to a
 * temporary safetensors file on first use (deleted on {@link #close}).
 */
final class ExportFiles implements AutoCloseable {

    private Path path;
    private final Map<String, NDArray> weights;
    private boolean wrote;

    /**
     * @param path the model's files, or null
     * @param weights the model's weights when it has no files, or null
     */
    ExportFiles(Path path, Map<String, NDArray> weights) {
        this.path = path;
        this.weights = weights;
    }

    /** Whether there is anything to export from. */
    boolean available() {
        return path != null || weights != null;
    }

    /** The files: the path, or the weights written to a temporary file. */
    synchronized Path path() {
        if (path == null) {
            try {
                path = Files.createTempFile("tokenreduce-bench-", ".safetensors");
                wrote = true;
                SafetensorsWriter.write(path, weights, SafetensorsWriter.Encoding.F32);
            } catch (IOException e) {
                throw new UncheckedIOException("weights for the export: " + e.getMessage(), e);
            }
        }
        return path;
    }

    @Override
    public synchronized void close() {
        if (wrote) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
