package io.github.tokenreduce.core;

import java.util.Arrays;

/**
 * How many tokens a method removes at each layer.
 *
 * <ul>
 *   <li>{@link #constant(int)}: the same r every layer (ToMe §0.3 default, CrossGET rv/rl §1.6);
 *   <li>{@link #perLayer(int...)}: one r per layer, 0 beyond the list;
 *   <li>{@link #inflection(int, double, int)}: ToMe's {@code (r, inflection)} pair, expanded
 *       linearly ({@code (r, -1)} is the paper's decreasing schedule);
 *   <li>{@link #keepRatio(double)}: keep a fraction of the current tokens each layer;
 *   <li>{@link #dynamic(int...)}: the method decides per sample (MADTP's learned threshold §2.4,
 *       PuMer's ratios §3.2), at the given layers or every layer.
 * </ul>
 * Methods clamp r to what one step can remove; the clamp is visible in {@link MergePlan#applied()}.
 */
public abstract class Schedule {

    private Schedule() {}

    /** Tokens to remove at {@code layer} from {@code tokens} tokens; 0 means inactive. */
    public abstract int removals(int layer, int tokens);

    /** Whether the method decides the count itself at this layer. */
    public boolean isDynamic() {
        return false;
    }

    /** Whether anything happens at {@code layer} for a set of {@code tokens} tokens. */
    public boolean activeAt(int layer) {
        return removals(layer, Integer.MAX_VALUE / 2) > 0;
    }

    /** No reduction. */
    public static Schedule none() {
        return constant(0);
    }

    /** Removes {@code r} tokens at every layer. */
    public static Schedule constant(int r) {
        if (r < 0) {
            throw new IllegalArgumentException("r: must be >= 0 but was " + r);
        }
        return new Schedule() {
            @Override
            public int removals(int layer, int tokens) {
                return r;
            }

            @Override
            public String toString() {
                return "constant(r=" + r + ")";
            }
        };
    }

    /** One r per layer; layers beyond the list remove nothing. */
    public static Schedule perLayer(int... r) {
        int[] copy = r.clone();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] < 0) {
                throw new IllegalArgumentException("r[" + i + "]: must be >= 0 but was " + copy[i]
                        + " in " + Arrays.toString(copy));
            }
        }
        return new Schedule() {
            @Override
            public int removals(int layer, int tokens) {
                return layer >= 0 && layer < copy.length ? copy[layer] : 0;
            }

            @Override
            public String toString() {
                return "perLayer" + Arrays.toString(copy);
            }
        };
    }

    /**
     * ToMe's {@code parse_r} for an {@code (r, inflection)} pair over {@code layers} layers:
     * {@code lo = int(r(1 - inflection))}, {@code hi = 2r - lo}, linear from lo to hi (truncated).
     */
    public static Schedule inflection(int r, double inflection, int layers) {
        if (r < 0) {
            throw new IllegalArgumentException("r: must be >= 0 but was " + r);
        }
        if (layers < 1) {
            throw new IllegalArgumentException("layers: must be >= 1 but was " + layers);
        }
        if (!(inflection >= -1 && inflection <= 1)) {
            throw new IllegalArgumentException("inflection: must be in [-1, 1] but was " + inflection);
        }
        int lo = (int) (r * (1.0 - inflection));
        int hi = 2 * r - lo;
        double step = layers == 1 ? 0 : (hi - lo) / (double) (layers - 1);
        int[] out = new int[layers];
        for (int i = 0; i < layers; i++) {
            out[i] = (int) (lo + step * i);
        }
        return perLayer(out);
    }

    /** Keeps {@code round(keep · N)} of the current N tokens at every layer. */
    public static Schedule keepRatio(double keep) {
        return keepRatio(keep, 0);
    }

    /**
     * Keeps {@code round(keep · N)} of the current N tokens at every layer, but never fewer than
     * {@code minTokens}: sequences of at most {@code minTokens} tokens are left whole (a short
     * sentence has little to spare and little to gain), longer ones shrink towards it.
     */
    public static Schedule keepRatio(double keep, int minTokens) {
        if (!(keep > 0 && keep <= 1)) {
            throw new IllegalArgumentException("keep: must be in (0, 1] but was " + keep);
        }
        if (minTokens < 0) {
            throw new IllegalArgumentException("minTokens: must be >= 0 but was " + minTokens);
        }
        return new Schedule() {
            @Override
            public int removals(int layer, int tokens) {
                return Math.max(tokens - Math.max((int) Math.round(keep * tokens), minTokens), 0);
            }

            @Override
            public boolean activeAt(int layer) {
                return keep < 1;
            }

            @Override
            public String toString() {
                return "keepRatio(" + keep + (minTokens > 0 ? ", min " + minTokens : "") + ")";
            }
        };
    }

    /** The method decides, at the listed layers (every layer when none are listed). */
    public static Schedule dynamic(int... layers) {
        int[] copy = layers.clone();
        return new Schedule() {
            @Override
            public int removals(int layer, int tokens) {
                return activeAt(layer) ? -1 : 0;
            }

            @Override
            public boolean isDynamic() {
                return true;
            }

            @Override
            public boolean activeAt(int layer) {
                return copy.length == 0 || Arrays.stream(copy).anyMatch(l -> l == layer);
            }

            @Override
            public String toString() {
                return copy.length == 0 ? "dynamic(every layer)" : "dynamic" + Arrays.toString(copy);
            }
        };
    }
}
