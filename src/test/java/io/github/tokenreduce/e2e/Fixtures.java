package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.djl.weights.Safetensors;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Finds the reference fixtures in {@code ../shared/fixtures} and in this repository's
 * {@code src/test/resources/fixtures} (cases made here with the shared generators; README inside)
 * and compares with them. Every test
 * discovers its cases here (folders, weight namings, the cases inside {@code fixture.json}), so a
 * new case dropped into a fixture folder is tested with no code change.
 */
final class Fixtures {

    private Fixtures() {}

    /** The shared folder: {@code -Dtokenreduce.shared}, else the first {@code shared/} beside an ancestor. */
    static Path shared() {
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

    /**
     * Every case folder of a fixture family (a folder holding {@code expected.safetensors}): the
     * shared ones, then this repository's ({@code fixtures/<family>} on the test class path, if any);
     * at least one.
     */
    static List<Path> cases(String family) {
        return cases(family, "expected.safetensors");
    }

    /** As {@link #cases(String)} for a family whose case folders are marked by the file {@code marker}. */
    static List<Path> cases(String family, String marker) {
        Path root = shared().resolve("fixtures").resolve(family);
        List<Path> out = new ArrayList<>(caseFolders(root, marker));
        Path own = repository(family);
        if (own != null) {
            out.addAll(caseFolders(own, marker));
        }
        assertTrue(!out.isEmpty(), "no case folder with " + marker + " under " + root
                + (own == null ? "" : " or " + own));
        return out;
    }

    /** A case folder's name for test display: {@code shared:<name>} or {@code repo:<name>}. */
    static String name(Path caseDir) {
        return (caseDir.startsWith(shared()) ? "shared:" : "repo:") + caseDir.getFileName();
    }

    /** This repository's folder of a fixture family (test resources), or null if it has none. */
    private static Path repository(String family) {
        URL url = Fixtures.class.getResource("/fixtures/" + family);
        if (url == null) {
            return null;
        }
        try {
            return Paths.get(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("test resource fixtures/" + family + ": not a folder: " + url, e);
        }
    }

    private static List<Path> caseFolders(Path root, String marker) {
        return list(root).filter(p -> Files.isRegularFile(p.resolve(marker))).toList();
    }

    /** The weight variants of a case: its sub-folders holding {@code model.safetensors}. */
    static List<Path> weights(Path caseDir) {
        List<Path> out = list(caseDir).filter(p -> Files.isRegularFile(p.resolve("model.safetensors"))).toList();
        assertTrue(!out.isEmpty(), "no weights (*/model.safetensors) in " + caseDir);
        return out;
    }

    static JsonObject json(Path file) {
        try (Reader r = Files.newBufferedReader(file)) {
            return JsonUtils.GSON.fromJson(r, JsonObject.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, NDArray> tensors(Path file, NDManager m) {
        try {
            return Safetensors.load(file, m, Device.cpu());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts equal shapes and a largest absolute difference within {@code tol}. */
    static void assertClose(NDArray expected, NDArray actual, double tol, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
        double d = expected.toType(DataType.FLOAT32, false).sub(actual.toType(DataType.FLOAT32, false))
                .abs().max().getFloat();
        assertTrue(d <= tol, what + ": differs by " + d + " (tolerance " + tol + ")");
    }

    /** Asserts per-layer token counts equal the fixture's I64 tensor. */
    static void assertCounts(NDArray expected, int[] actual, String what) {
        long[] e = expected.toLongArray();
        assertEquals(Arrays.toString(e), Arrays.toString(Arrays.stream(actual).asLongStream().toArray()), what);
    }

    /** A [B, L] integer tensor as rows. */
    static long[][] rows(NDArray a) {
        int b = (int) a.getShape().get(0);
        int n = (int) a.getShape().get(1);
        long[] flat = a.toType(DataType.INT64, false).toLongArray();
        long[][] out = new long[b][n];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * n, out[i], 0, n);
        }
        return out;
    }

    /** ToMe's {@code parse_r} forms: an int (constant r), {@code [r, inflection]}, or a list per layer. */
    static Schedule tomeSchedule(JsonElement r, int layers) {
        if (r.isJsonPrimitive()) {
            return Schedule.constant(r.getAsInt());
        }
        JsonArray a = r.getAsJsonArray();
        if (a.size() == 2 && !a.get(1).getAsString().matches("\\d+")) {
            return Schedule.inflection(a.get(0).getAsInt(), a.get(1).getAsDouble(), layers);
        }
        int[] perLayer = new int[a.size()];
        for (int i = 0; i < perLayer.length; i++) {
            perLayer[i] = a.get(i).getAsInt();
        }
        return Schedule.perLayer(perLayer);
    }

    private static Stream<Path> list(Path dir) {
        assertTrue(Files.isDirectory(dir), "fixture folder missing: " + dir);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
