package io.github.tokenreduce.cli.eval;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The evaluation metrics: Spearman's rank correlation, nDCG@k, Recall@k and cosine fidelity. */
public final class Metrics {

    private Metrics() {}

    /**
     * Spearman's ρ: Pearson correlation of the ranks (ties get their average rank). Undefined, and
     * rejected, when a series is constant or holds a NaN.
     */
    public static double spearman(double[] a, double[] b) {
        if (a.length != b.length || a.length < 2) {
            throw new IllegalArgumentException("spearman: need two equal-length series of at least 2, got "
                    + a.length + " and " + b.length);
        }
        for (double[] v : new double[][] {a, b}) {
            if (Arrays.stream(v).anyMatch(Double::isNaN)) {
                throw new IllegalArgumentException("spearman: a series holds NaN");
            }
            if (Arrays.stream(v).allMatch(x -> x == v[0])) {
                throw new IllegalArgumentException("spearman: a series is constant (" + v[0]
                        + " everywhere), so its ranks carry no order and rho is undefined");
            }
        }
        return pearson(ranks(a), ranks(b));
    }

    /**
     * nDCG@k with linear gains: {@code Σ_{i<k} g(r_i) / log2(i + 2)} over the ideal ordering's value.
     * A grade &le; 0 counts as 0. The ranking is the caller's: ties in its scores must already be
     * broken (as {@code TextTasks} does, by file order).
     *
     * @param ranking document ids, best first, each once
     * @param grades document id → grade (&gt; 0 relevant); at least one relevant, for a query
     *        without relevant documents has no nDCG (leave it out of the mean)
     */
    public static double ndcg(List<Integer> ranking, Map<Integer, Integer> grades, int k) {
        check("ndcg", ranking, grades, k);
        double dcg = 0;
        for (int i = 0; i < Math.min(k, ranking.size()); i++) {
            dcg += Math.max(0, grades.getOrDefault(ranking.get(i), 0)) / log2(i + 2);
        }
        int[] ideal = grades.values().stream().mapToInt(Integer::intValue).filter(g -> g > 0)
                .boxed().sorted(Comparator.reverseOrder()).mapToInt(Integer::intValue).toArray();
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.length); i++) {
            idcg += ideal[i] / log2(i + 2);
        }
        return dcg / idcg;
    }

    /**
     * Share of the relevant documents (grade &gt; 0) found in the top k.
     *
     * @param ranking document ids, best first, each once
     * @param grades document id → grade; at least one relevant (a query without any has no recall)
     */
    public static double recall(List<Integer> ranking, Map<Integer, Integer> grades, int k) {
        check("recall", ranking, grades, k);
        long relevant = grades.values().stream().filter(g -> g > 0).count();
        long found = ranking.stream().limit(k).filter(d -> grades.getOrDefault(d, 0) > 0).count();
        return (double) found / relevant;
    }

    private static void check(String metric, List<Integer> ranking, Map<Integer, Integer> grades, int k) {
        if (k < 1) {
            throw new IllegalArgumentException(metric + ": k must be >= 1, got " + k);
        }
        if (grades.values().stream().noneMatch(g -> g > 0)) {
            throw new IllegalArgumentException(metric + ": the query has no relevant document (grades " + grades
                    + "), so the metric is undefined; leave the query out of the mean");
        }
        Set<Integer> seen = new HashSet<>();
        for (Integer d : ranking) {
            if (!seen.add(d)) {
                throw new IllegalArgumentException(metric + ": document " + d + " appears twice in the ranking");
            }
        }
    }

    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        for (int i = 0; i < idx.length;) {
            int j = i;
            while (j + 1 < idx.length && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[idx[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    /** Pearson's correlation of paired values; 0 when either side is constant. */
    public static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /** The dot product of two vectors, in double precision. */
    public static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("dot: lengths differ, " + a.length + " vs " + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Mean cosine between corresponding rows of {@code a} and {@code b} ([N][D] each). */
    public static double meanCosine(float[][] a, float[][] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("meanCosine: need equal, non-zero row counts, got " + a.length + " and "
                    + b.length);
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double na = Math.sqrt(dot(a[i], a[i]));
            double nb = Math.sqrt(dot(b[i], b[i]));
            sum += dot(a[i], b[i]) / Math.max(na * nb, 1e-12);
        }
        return sum / a.length;
    }

}
