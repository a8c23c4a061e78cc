package io.github.tokenreduce.core.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Argument validation shared by every operator. Each failure is an {@link IllegalArgumentException}
 * that names the argument, the shape seen and the shape expected, so bad input never reaches native
 * code and never turns into a NaN or a silent wrong answer.
 */
public final class Checks {

    private Checks() {}

    /** Requires {@code value} to be non-null. */
    public static NDArray present(String name, NDArray value, String expected) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": missing; expected " + expected);
        }
        return value;
    }

    /** Requires rank {@code rank}; {@code expected} describes the layout, e.g. "[B, N, C]". */
    public static void rank(String name, NDArray value, int rank, String expected) {
        present(name, value, expected);
        if (value.getShape().dimension() != rank) {
            throw new IllegalArgumentException(
                    name + ": expected shape " + expected + " but got " + value.getShape());
        }
    }

    /**
     * Requires the leading dimensions of {@code value} to equal {@code leading} (a negative entry
     * means any size) and its rank to be {@code expected.length}.
     */
    public static void shape(String name, NDArray value, long[] leading, String expected) {
        rank(name, value, leading.length, expected);
        Shape s = value.getShape();
        for (int i = 0; i < leading.length; i++) {
            if (leading[i] >= 0 && s.get(i) != leading[i]) {
                throw new IllegalArgumentException(
                        name + ": expected shape " + expected + " = " + describe(leading)
                                + " but got " + s);
            }
        }
    }

    /** Requires every element to be finite (no NaN, no infinity). */
    public static void finite(String name, NDArray value) {
        // x · 0 is NaN exactly where x is NaN or infinite, so the sum is NaN iff any element is not
        // finite: one fused pass and one scalar read (isNaN().any() costs several times more).
        if (Float.isNaN(value.mul(0f).sum().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).getFloat())) {
            throw new IllegalArgumentException(
                    name + ": contains NaN or infinite values (shape " + value.getShape() + ")");
        }
    }

    /** Requires a non-null configuration value. */
    public static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": must not be null");
        }
        return value;
    }

    /** Requires {@code value >= 0}. */
    public static int nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + ": must be >= 0 but was " + value);
        }
        return value;
    }

    /** Requires {@code lo <= value <= hi}. */
    public static double inRange(String name, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(
                    name + ": must be in [" + lo + ", " + hi + "] but was " + value);
        }
        return value;
    }

    private static String describe(long[] dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i] < 0 ? "*" : Long.toString(dims[i]));
        }
        return sb.append(')').toString();
    }
}
