package io.github.tokenreduce.core.reference;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An independent implementation of every operator, written with ND4J for the linear algebra and
 * plain loops (Java's stable sorts) for the algorithms, one sample at a time. It shares no code
 * with the DJL operators; tests compare the two on random inputs.
 */
public final class Nd4jReference {

    static final double NEG = -1e9;
    static final double PAD_PAIR = 2;

    private Nd4jReference() {}

    /** Output of one reduction for one sample. */
    public static final class Out {
        public final List<Integer> anchors = new ArrayList<>();
        public final List<float[]> hidden = new ArrayList<>();
        public final List<Float> sizes = new ArrayList<>();
        public final List<Float> mask = new ArrayList<>();
    }

    /** Groups: anchor input → member inputs, in output order. */
    static Out emit(List<List<Integer>> groups, float[][] x, float[] size, float[] mask, double[] w) {
        Out o = new Out();
        int c = x[0].length;
        for (List<Integer> g : groups) {
            o.anchors.add(g.get(0));
            float[] h = new float[c];
            double den = 0;
            double sz = 0;
            double mk = 0;
            double[] acc = new double[c];
            for (int i : g) {
                double wi = w == null ? size[i] : w[i];
                den += wi;
                sz += size[i];
                mk += size[i] * mask[i];
                for (int k = 0; k < c; k++) {
                    acc[k] += wi * x[i][k];
                }
            }
            for (int k = 0; k < c; k++) {
                h[k] = (float) (acc[k] / den);
            }
            o.hidden.add(h);
            o.sizes.add((float) sz);
            o.mask.add((float) (mk / sz));
        }
        return o;
    }

    static double[][] normalizedGram(float[][] a, float[][] b) {
        INDArray ma = unit(a);
        INDArray mb = unit(b);
        return ma.mmul(mb.transpose()).toDoubleMatrix();
    }

    static INDArray unit(float[][] rows) {
        INDArray m = Nd4j.create(rows).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray norms = m.norm2(1).reshape(rows.length, 1);
        return m.divColumnVector(org.nd4j.linalg.ops.transforms.Transforms.max(norms, 1e-12));
    }

    static double cos(float[] a, float[] b) {
        return unit(new float[][] {a}).mmul(unit(new float[][] {b}).transpose()).getDouble(0, 0);
    }

    /** Edge rule shared by the matchers: protected blocked, padding only with padding (first). */
    static double rule(double s, boolean protI, boolean protJ, Boolean realI, Boolean realJ) {
        if (protI || protJ) {
            return NEG;
        }
        if (realI == null) {
            return s;
        }
        if (realI != realJ) {
            return NEG;
        }
        return realI ? s : PAD_PAIR;
    }

    static int argMaxFirst(double[] v, List<Integer> among) {
        return argMaxFirst(v, among, 0);
    }

    /** The first index whose value is within {@code tol} of the maximum. */
    static int argMaxFirst(double[] v, List<Integer> among, double tol) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j : among) {
            max = Math.max(max, v[j]);
        }
        for (int j : among) {
            if (v[j] >= max - tol) {
                return j;
            }
        }
        return among.get(0);
    }

    /** Indices 0..n-1 sorted by key, stable (ties by index). */
    static List<Integer> sortedBy(int n, double[] key, boolean descending) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            idx.add(i);
        }
        Comparator<Integer> cmp = Comparator.comparingDouble(i -> key[i]);
        idx.sort(descending ? cmp.reversed() : cmp);
        return idx;
    }

    // ---------------------------------------------------------------- ToMe

    /** ToMe bipartite merge of r tokens (already clamped); mask null disables padding rules. */
    public static List<List<Integer>> tomeGroups(float[][] metric, boolean[] prot, float[] mask, int r) {
        int n = metric.length;
        int na = (n + 1) / 2;
        int nb = n / 2;
        float[][] a = new float[na][];
        float[][] b = new float[nb][];
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                a[i / 2] = metric[i];
            } else {
                b[i / 2] = metric[i];
            }
        }
        double[][] s = nb == 0 ? new double[na][0] : normalizedGram(a, b);
        double[] best = new double[na];
        int[] arg = new int[na];
        for (int i = 0; i < na; i++) {
            for (int j = 0; j < nb; j++) {
                s[i][j] = rule(s[i][j], prot[2 * i], prot[2 * j + 1],
                        mask == null ? null : mask[2 * i] > 0, mask == null ? null : mask[2 * j + 1] > 0);
            }
            List<Integer> all = new ArrayList<>();
            for (int j = 0; j < nb; j++) {
                all.add(j);
            }
            arg[i] = argMaxFirst(s[i], all, 1e-6); // ToMe's destination: near-ties go to the first
            best[i] = s[i][arg[i]];
        }
        for (int i = 0; i < na; i++) {
            if (prot[2 * i]) {
                best[i] = Double.NEGATIVE_INFINITY; // ToMe's -inf row
            }
        }
        List<Integer> order = sortedBy(na, best, true);
        List<Integer> unmerged = new ArrayList<>(order.subList(r, na));
        unmerged.sort(Integer::compare);
        // [protected by index, unmerged A by index, other B]
        List<List<Integer>> groups = new ArrayList<>();
        List<List<Integer>> bGroups = new ArrayList<>();
        for (int j = 0; j < nb; j++) {
            bGroups.add(new ArrayList<>(List.of(2 * j + 1)));
        }
        for (int k = 0; k < r; k++) {
            int i = order.get(k);
            bGroups.get(arg[i]).add(2 * i);
        }
        for (int t = 0; t < n; t++) {
            if (prot[t]) {
                groups.add(t % 2 == 0 ? new ArrayList<>(List.of(t)) : bGroups.get(t / 2));
            }
        }
        for (int i : unmerged) {
            if (!prot[2 * i]) {
                groups.add(new ArrayList<>(List.of(2 * i)));
            }
        }
        for (int j = 0; j < nb; j++) {
            if (!prot[2 * j + 1]) {
                groups.add(bGroups.get(j));
            }
        }
        return groups;
    }

    public static int tomeClamp(int r, boolean[][] prot) {
        int out = r;
        for (boolean[] p : prot) {
            int n = p.length;
            int all = 0;
            int pa = 0;
            int pb = 0;
            for (int i = 0; i < n; i++) {
                if (p[i]) {
                    all++;
                    if (i % 2 == 0) {
                        pa++;
                    } else {
                        pb++;
                    }
                }
            }
            int freeB = n / 2 - pb;
            out = Math.min(out, freeB == 0 ? 0 : Math.min((n - all) / 2, (n + 1) / 2 - pa));
        }
        return out;
    }

    // ---------------------------------------------------------------- CrossGET matching and ensemble

    /** CrossGET groups for one sample (r already clamped), original order. */
    public static List<List<Integer>> crossGetGroups(float[][] metric, double[] imp, boolean[] prot,
            float[] mask, int r) {
        int n = metric.length;
        double[][] s = normalizedGram(metric, metric);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double v = (s[i][j] + s[j][i]) / 2;
                s[i][j] = v;
                s[j][i] = v;
            }
        }
        double[] best = new double[n];
        for (int i = 0; i < n; i++) {
            best[i] = NEG;
            for (int j = 0; j < n; j++) {
                s[i][j] = i == j ? NEG : rule(s[i][j], prot[i], prot[j], mask[i] > 0, mask[j] > 0);
                best[i] = Math.max(best[i], s[i][j]);
            }
        }
        List<Integer> byBest = sortedBy(n, best, true);
        int[] rank = new int[n];
        for (int k = 0; k < n; k++) {
            rank[byBest.get(k)] = k;
        }
        double[] sigma = new double[n];
        for (int i = 0; i < n; i++) {
            double later = NEG;
            for (int j = 0; j < n; j++) {
                if (rank[j] > rank[i]) {
                    later = Math.max(later, s[i][j]);
                }
            }
            sigma[i] = later <= NEG ? Double.POSITIVE_INFINITY : imp[i] - later;
        }
        List<Integer> order = sortedBy(n, sigma, false);
        List<Integer> pool = new ArrayList<>(order.subList(r, n));
        pool.sort(Integer::compare);
        List<List<Integer>> groups = new ArrayList<>();
        for (int d : pool) {
            groups.add(new ArrayList<>(List.of(d)));
        }
        for (int k = 0; k < r; k++) {
            int i = order.get(k);
            int d = argMaxFirst(s[i], pool);
            groups.get(pool.indexOf(d)).add(i);
        }
        return groups;
    }

    /** The authors' ensemble update for one group (anchor first). */
    public static float[] authorsEnsemble(List<Integer> g, float[][] x, float[] size, double[] imp) {
        int c = x[0].length;
        int j = g.get(0);
        double[] y = new double[c];
        double total = size[j];
        for (int k = 0; k < c; k++) {
            y[k] = size[j] * x[j][k];
        }
        for (int t = 1; t < g.size(); t++) {
            int i = g.get(t);
            double ei = Math.exp(imp[i]);
            double ej = Math.exp(imp[j]);
            double ws = 2 * ei / (ei + ej);
            double wd = 2 * ej / (ei + ej);
            for (int k = 0; k < c; k++) {
                y[k] += ws * size[i] * x[i][k] + (wd - 1) * size[j] * x[j][k];
            }
            total += size[i];
        }
        float[] out = new float[c];
        for (int k = 0; k < c; k++) {
            out[k] = (float) (y[k] / total);
        }
        return out;
    }

    // ---------------------------------------------------------------- MADTP importance and threshold

    /** TIS for one sample; attention [H][N][N], block input x [N][C] (for G), dictionary [M][C]. */
    public static double[] tis(float[][][] att, float[][] x, float[][] dict, boolean[] cand, int cls) {
        int h = att.length;
        int n = x.length;
        double[][] g = Nd4j.create(x).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .mmul(Nd4j.create(dict).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).transpose())
                .toDoubleMatrix();
        double[] self = new double[n];
        double[] dic = new double[n];
        double[] clsA = new double[n];
        double sSelf = 0;
        double sDict = 0;
        for (int j = 0; j < n; j++) {
            if (!cand[j]) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (!cand[i]) {
                    continue;
                }
                double mx = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < h; k++) {
                    mx = Math.max(mx, att[k][i][j]);
                }
                self[j] += mx;
            }
            double md = Double.NEGATIVE_INFINITY;
            for (double v : g[j]) {
                md = Math.max(md, v);
            }
            dic[j] = md;
            for (int k = 0; k < h; k++) {
                clsA[j] += att[k][cls][j] / h;
            }
            sSelf += self[j];
            sDict += dic[j];
        }
        double dDict = sDict + 1e-8;
        if (Math.abs(dDict) < 1e-12) {
            dDict = 1e-12;
        }
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            if (cand[j]) {
                out[j] = (self[j] / (sSelf + 1e-8) + dic[j] / dDict + clsA[j]) / 3;
            }
        }
        return out;
    }

    /** Dynamic keep count for one sample. */
    public static int keepCount(float[][] x, float[][] dict, double[] tis, boolean[] cand, double t) {
        int n = x.length;
        double[][] g = Nd4j.create(x).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .mmul(Nd4j.create(dict).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).transpose())
                .toDoubleMatrix();
        double tau = Double.POSITIVE_INFINITY;
        for (int m = 0; m < dict.length; m++) {
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (cand[j]) {
                    mx = Math.max(mx, g[j][m] / t);
                }
            }
            double z = 0;
            double e = 0;
            for (int j = 0; j < n; j++) {
                if (cand[j]) {
                    double p = Math.exp(g[j][m] / t - mx);
                    z += p;
                    e += p * tis[j];
                }
            }
            tau = Math.min(tau, e / z);
        }
        int k = 0;
        for (int j = 0; j < n; j++) {
            if (cand[j] && tis[j] > tau) {
                k++;
            }
        }
        return k;
    }

    /** MADTP groups for one sample given the keep count (original order), with TIS weights. */
    public static List<List<Integer>> madtpGroups(double[] tis, boolean[] prot, boolean[] cand, int keep) {
        int n = tis.length;
        int nc = 0;
        double[] key = new double[n];
        for (int j = 0; j < n; j++) {
            key[j] = cand[j] ? tis[j] : NEG;
            nc += cand[j] ? 1 : 0;
        }
        boolean fuse = !(keep < 1 || nc - keep <= 1);
        if (!fuse) {
            keep = nc;
        }
        List<Integer> order = sortedBy(n, key, true);
        List<Integer> kept = new ArrayList<>(order.subList(0, keep));
        kept.sort(Integer::compare);
        List<List<Integer>> groups = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            if (prot[j]) {
                groups.add(new ArrayList<>(List.of(j)));
            }
        }
        for (int j : kept) {
            groups.add(new ArrayList<>(List.of(j)));
        }
        if (fuse) {
            groups.add(new ArrayList<>(order.subList(keep, nc)));
        }
        return groups;
    }
}
