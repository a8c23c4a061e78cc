package io.github.tokenreduce.djl.weights;

import ai.djl.util.JsonUtils;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves the files of a model directory (Hugging Face layout) or a single file. */
public final class ModelFiles {

    private ModelFiles() {}

    /**
     * {@code path} itself when it is a file, else {@code path/name}.
     *
     * @param what the argument name for the error
     */
    public static Path resolve(Path path, String name, String what) {
        Path file = Files.isDirectory(path) ? path.resolve(name) : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + ": no " + name + " at " + file);
        }
        return file;
    }

    /** The {@code config.json} of a model directory, or null (a single file, or no config). */
    public static JsonObject config(Path path) throws IOException {
        Path cfg = path.resolve("config.json");
        if (!Files.isDirectory(path) || !Files.isRegularFile(cfg)) {
            return null;
        }
        try (Reader r = Files.newBufferedReader(cfg)) {
            return JsonUtils.GSON.fromJson(r, JsonObject.class);
        }
    }
}
