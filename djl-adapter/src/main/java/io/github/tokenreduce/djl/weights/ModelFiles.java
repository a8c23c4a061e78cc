package io.github.tokenreduce.djl.weights;

import ai.djl.util.JsonUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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

    /** Class names from a Hugging Face config's {@code id2label} (index order), or empty. */
    public static List<String> labels(JsonObject config) {
        if (config == null || !config.has("id2label")) {
            return List.of();
        }
        JsonObject m = config.getAsJsonObject("id2label");
        String[] out = new String[m.size()];
        for (Map.Entry<String, JsonElement> e : m.entrySet()) {
            int i = Integer.parseInt(e.getKey());
            if (i >= 0 && i < out.length) {
                out[i] = e.getValue().getAsString();
            }
        }
        return Arrays.asList(out);
    }

    /** The {@code config.json} of a model directory, or null (a single file, or no config). */
    public static JsonObject config(Path path) throws IOException {
        return json(path, "config.json");
    }

    /** The JSON file {@code name} of a model directory, or null (a single file, or no such file). */
    public static JsonObject json(Path path, String name) throws IOException {
        Path cfg = path.resolve(name);
        if (!Files.isDirectory(path) || !Files.isRegularFile(cfg)) {
            return null;
        }
        try (Reader r = Files.newBufferedReader(cfg)) {
            return JsonUtils.GSON.fromJson(r, JsonObject.class);
        } catch (com.google.gson.JsonParseException e) {
            throw new IllegalArgumentException(name + ": " + cfg + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
