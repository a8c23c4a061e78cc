package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A graph exported to a temporary file (checked by its exporter there) and one ONNX Runtime session on
 * it, for a runner that exports once and runs many batches; {@link #close} ends the session and removes
 * the file, and a failed export leaves no file. Thread-safe for {@link #run} (the session is).
 *
 * @param <R> what the export reports (token counts, the difference to the eager model)
 */
public final class TemporaryGraph<R> implements AutoCloseable {

    /** Writes a graph to the file it is given and reports on it. */
    @FunctionalInterface
    public interface Writer<R> {
        R write(Path file) throws IOException;
    }

    private final Path file;
    private final OnnxRuntimeRun session;
    private final R result;

    private TemporaryGraph(Path file, OnnxRuntimeRun session, R result) {
        this.file = file;
        this.session = session;
        this.result = result;
    }

    /**
     * Exports with {@code writer} to a new temporary file named after {@code prefix} and opens it, its
     * inputs checked against {@code like} (name, type and rank, as {@link OnnxRuntimeRun#open(Path, Map)}).
     */
    public static <R> TemporaryGraph<R> export(String prefix, Writer<R> writer, Map<String, NDArray> like)
            throws IOException {
        Path file = Files.createTempFile(prefix, ".onnx");
        try {
            R r = writer.write(file);
            return new TemporaryGraph<>(file, OnnxRuntimeRun.open(file, like), r);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** What the export reported. */
    public R result() {
        return result;
    }

    /** The graph's outputs for {@code inputs} by name, on {@code manager} ({@link OnnxRuntimeRun#run(Map, NDManager)}). */
    public Map<String, NDArray> run(Map<String, NDArray> inputs, NDManager manager) {
        return session.run(inputs, manager);
    }

    @Override
    public void close() {
        try {
            session.close();
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
