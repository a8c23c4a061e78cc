package io.github.tokenreduce.cli.eval;

/**
 * One system's scores on one task, item by item, so two systems can be compared by a paired
 * bootstrap ({@link Bootstrap}): either per-item scores whose mean is the task's figure (nDCG@10 of
 * each query, 1/0 for each classified passage), or per-pair similarities whose Spearman ρ with the
 * gold scores is the figure (STS).
 *
 * @param values per-item scores, or per-pair similarities when {@code gold} is set
 * @param gold gold scores for a rank correlation, or null for a mean
 */
public record ItemScores(double[] values, double[] gold) {

    public ItemScores {
        if (values.length == 0 || gold != null && gold.length != values.length) {
            throw new IllegalArgumentException("scores: need items (and as many gold scores), got " + values.length
                    + (gold == null ? "" : " and " + gold.length));
        }
    }

    /** Per-item scores averaged into the figure. */
    public static ItemScores mean(double[] values) {
        return new ItemScores(values, null);
    }

    /** The figure on all items. */
    public double value() {
        int[] all = new int[values.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return on(all);
    }

    /** The figure on the items {@code idx} (a bootstrap resample). */
    public double on(int[] idx) {
        if (gold == null) {
            return Bootstrap.mean(values, idx);
        }
        double[] v = new double[idx.length];
        double[] g = new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            v[i] = values[idx[i]];
            g[i] = gold[idx[i]];
        }
        return Metrics.spearman(v, g);
    }

    /** Paired bootstrap interval of {@code other}'s figure minus this one's. */
    public Bootstrap.Interval difference(ItemScores other, int resamples, double confidence, long seed) {
        if (other.values.length != values.length) {
            throw new IllegalArgumentException("scores: paired systems need the same items, got " + values.length
                    + " and " + other.values.length);
        }
        return Bootstrap.paired(values.length, idx -> other.on(idx) - on(idx), resamples, confidence, seed);
    }
}
