package io.github.tokenreduce.djl.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hands out named tensors with their expected shapes and collects every problem — missing,
 * wrongly shaped, and (at {@link #finish}) unused tensors — so one error lists them all with the
 * expected and found shapes.
 */
public final class WeightStore {

    private final String source;
    private final Map<String, NDArray> tensors;
    private final Set<String> used = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();

    public WeightStore(String source, Map<String, NDArray> tensors) {
        this.source = source;
        this.tensors = new LinkedHashMap<>(tensors);
    }

    /** Whether {@code name} exists. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor {@code name} if present, without a shape check (for inferring geometry). */
    public NDArray peek(String name) {
        return tensors.get(name);
    }

    /** All names. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /**
     * The tensor {@code name} of shape {@code dims}; a problem is recorded (and {@code null}
     * returned) if it is missing or misshaped.
     */
    public NDArray take(String name, long... dims) {
        NDArray a = tensors.get(name);
        Shape expected = new Shape(dims);
        if (a == null) {
            problems.add("missing " + name + " (expected " + expected + ")");
            return null;
        }
        used.add(name);
        if (!a.getShape().equals(expected)) {
            problems.add("misshaped " + name + ": expected " + expected + ", found " + a.getShape());
            return null;
        }
        return a;
    }

    /** The tensor {@code name}, checked like {@link #take}, transposed (a view) for {@code x · W}. */
    public NDArray takeTransposed(String name, long... dims) {
        NDArray a = take(name, dims);
        return a == null ? null : a.transpose();
    }

    /** Size of {@code name} along {@code axis}, or -1 when absent (for inferring geometry). */
    public int dim(String name, int axis) {
        NDArray a = tensors.get(name);
        return a == null || a.getShape().dimension() <= axis ? -1 : (int) a.getShape().get(axis);
    }

    /** One more than the largest index captured by group 1 of {@code layer} over all names. */
    public int layerCount(Pattern layer) {
        int max = -1;
        for (String n : tensors.keySet()) {
            Matcher m = layer.matcher(n);
            if (m.find()) {
                max = Math.max(max, Integer.parseInt(m.group(1)));
            }
        }
        return max + 1;
    }

    /** Whether any of {@code parts} is missing (null after a failed {@link #take}). */
    public static boolean anyMissing(Object... parts) {
        for (Object x : parts) {
            if (x == null) {
                return true;
            }
        }
        return false;
    }

    /** Marks {@code name} as known but unused (buffers such as position ids). */
    public void ignore(String name) {
        used.add(name);
    }

    /** Throws a {@link WeightMismatchException} listing every problem, extra tensors included. */
    public void finish() {
        List<String> all = new ArrayList<>(problems);
        for (String n : tensors.keySet()) {
            if (!used.contains(n)) {
                all.add("unexpected " + n + " " + tensors.get(n).getShape());
            }
        }
        if (!all.isEmpty()) {
            throw new WeightMismatchException(source, all);
        }
    }
}
