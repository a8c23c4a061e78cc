package io.github.tokenreduce.cli.eval;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Paired bootstrap confidence intervals: the items (queries, pairs, passages) are resampled with
 * replacement, and the same resample is applied to both systems, so the interval is for the
 * difference of a statistic between them on this item population. Percentile intervals (type 7
 * quantiles), seeded, so a rerun gives the same interval.
 */
public final class Bootstrap {

    /**
     * A difference and its interval.
     *
     * @param estimate the difference on the items as given
     * @param low lower bound
     * @param high upper bound
     */
    public record Interval(double estimate, double low, double high) {

        /** This interval multiplied by {@code factor} (e.g. 100 for points). */
        public Interval scaled(double factor) {
            return new Interval(estimate * factor, low * factor, high * factor);
        }
    }

    private Bootstrap() {}

    /**
     * The paired bootstrap of a difference over {@code n} items.
     *
     * @param difference maps item indices (a resample, with repeats) to the difference of the statistic
     * @param confidence e.g. 0.95
     */
    public static Interval paired(int n, ToDoubleFunction<int[]> difference, int resamples, double confidence,
            long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("bootstrap: need at least one item, got " + n);
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("bootstrap: resamples must be >= 1, got " + resamples);
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("bootstrap: confidence must be in (0, 1), got " + confidence);
        }
        int[] identity = new int[n];
        for (int i = 0; i < n; i++) {
            identity[i] = i;
        }
        double estimate = difference.applyAsDouble(identity);
        SplittableRandom random = new SplittableRandom(seed);
        double[] d = new double[resamples];
        int[] idx = new int[n];
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                idx[i] = random.nextInt(n);
            }
            d[b] = difference.applyAsDouble(idx);
        }
        Arrays.sort(d);
        double tail = (1 - confidence) / 2;
        return new Interval(estimate, quantile(d, tail), quantile(d, 1 - tail));
    }

    /** Paired bootstrap of {@code mean(other) - mean(base)} over per-item scores. */
    public static Interval meanDifference(double[] base, double[] other, int resamples, double confidence, long seed) {
        if (base.length != other.length) {
            throw new IllegalArgumentException("bootstrap: paired scores need equal lengths, got " + base.length
                    + " and " + other.length);
        }
        return paired(base.length, idx -> mean(other, idx) - mean(base, idx), resamples, confidence, seed);
    }

    /** The mean of {@code v} over the indices {@code idx}. */
    public static double mean(double[] v, int[] idx) {
        double s = 0;
        for (int i : idx) {
            s += v[i];
        }
        return s / idx.length;
    }

    /** The q-quantile of sorted values, interpolating linearly between order statistics (R's type 7). */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0 || !(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile: need values and q in [0, 1], got " + sorted.length
                    + " values and q = " + q);
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
