package io.github.tokenreduce.djl.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates {@code ../shared} and compares tensors in tests. */
public final class Shared {

    private Shared() {}

    public static Path dir() {
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

    /** A [B, L] integer tensor as rows. */
    public static long[][] rows(NDArray a) {
        int b = (int) a.getShape().get(0);
        int n = (int) a.getShape().get(1);
        long[] flat = a.toType(DataType.INT64, false).toLongArray();
        long[][] out = new long[b][n];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * n, out[i], 0, n);
        }
        return out;
    }

    /** Largest absolute difference of two same-shaped tensors. */
    public static double maxDiff(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new AssertionError("shape " + a.getShape() + " vs " + b.getShape());
        }
        return a.toType(DataType.FLOAT32, false).sub(b.toType(DataType.FLOAT32, false)).abs().max().getFloat();
    }
}
