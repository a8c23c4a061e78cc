package io.github.tokenreduce.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/** Locates {@code ../shared} and reads the reference fixtures in it. */
public final class Fixtures {

    private Fixtures() {}

    /** The shared folder: {@code -Dtokenreduce.shared}, else the first {@code shared/} beside an ancestor. */
    public static Path shared() {
        String prop = System.getProperty("tokenreduce.shared");
        if (prop != null && Files.isDirectory(Paths.get(prop, "fixtures"))) {
            return Paths.get(prop).normalize();
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("fixtures"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/fixtures not found; set -Dtokenreduce.shared");
    }

    /** Reads every tensor of a safetensors file, by name. */
    public static Map<String, NDArray> load(NDManager manager, String relative) {
        return load(manager, shared().resolve(relative));
    }

    /** Reads every tensor of a safetensors file, by name. */
    public static Map<String, NDArray> load(NDManager manager, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            NDList list = NDList.decode(manager, in);
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (NDArray a : list) {
                out.put(a.getName(), a);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(file.toString(), e);
        }
    }
}
