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

    /** Every sub-folder of {@code shared/fixtures/<family>} holding a {@code fixture.json}; at least one. */
    public static java.util.List<Path> cases(String family) {
        Path root = shared().resolve("fixtures").resolve(family);
        try (java.util.stream.Stream<Path> s = Files.list(root)) {
            java.util.List<Path> out = s.filter(p -> Files.isRegularFile(p.resolve("fixture.json"))).sorted().toList();
            if (out.isEmpty()) {
                throw new IllegalStateException("no case folder with fixture.json under " + root);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(root.toString(), e);
        }
    }

    /** The single {@code *.safetensors} file of a case folder. */
    public static Path tensorsOf(Path caseDir) {
        try (java.util.stream.Stream<Path> s = Files.list(caseDir)) {
            java.util.List<Path> f = s.filter(p -> p.toString().endsWith(".safetensors")).toList();
            if (f.size() != 1) {
                throw new IllegalStateException("expected one .safetensors file in " + caseDir + ", found " + f);
            }
            return f.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(caseDir.toString(), e);
        }
    }

    /** Reads a JSON file. */
    public static com.google.gson.JsonObject json(Path file) {
        try (java.io.Reader r = Files.newBufferedReader(file)) {
            return ai.djl.util.JsonUtils.GSON.fromJson(r, com.google.gson.JsonObject.class);
        } catch (IOException e) {
            throw new UncheckedIOException(file.toString(), e);
        }
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
