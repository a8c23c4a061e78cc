package io.github.tokenreduce.djl.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
