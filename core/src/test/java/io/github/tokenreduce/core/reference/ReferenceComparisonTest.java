package io.github.tokenreduce.core.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.MergePlan;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.crossget.EnsembleMode;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.ImageMerge;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.pumer.TextVotes;
import io.github.tokenreduce.core.tome.ToMeReducer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The DJL operators against {@link Nd4jReference} on random inputs: random B, N, C, r, ragged key
 * masks, random sizes. Anchors (kept/merged indices) must match exactly, values within 1e-5.
 */
class ReferenceComparisonTest {

    private static final int[] SEEDS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    /** One random batch. */
    static final class Case {
        final int b;
        final int n;
        final int c;
        final float[][][] x;
        final float[][][] metric;
        final float[][] size;
        final float[][] mask;
        final Random rnd;

        Case(long seed, boolean ragged) {
            rnd = new Random(seed);
            b = 1 + rnd.nextInt(3);
            n = 6 + rnd.nextInt(30);
            c = 3 + rnd.nextInt(10);
            x = gauss(b, n, c);
            metric = gauss(b, n, c);
            size = new float[b][n];
            mask = new float[b][n];
            for (int s = 0; s < b; s++) {
                int len = ragged ? n / 2 + rnd.nextInt(n - n / 2 + 1) : n;
                for (int i = 0; i < n; i++) {
                    size[s][i] = 1 + rnd.nextInt(3);
                    mask[s][i] = i < len ? 1 : 0;
                }
            }
        }

        float[][][] gauss(int d0, int d1, int d2) {
            float[][][] a = new float[d0][d1][d2];
            for (float[][] p : a) {
                for (float[] q : p) {
                    for (int k = 0; k < d2; k++) {
                        q[k] = (float) rnd.nextGaussian();
                    }
                }
            }
            return a;
        }

        NDArray nd(NDManager m, float[][][] v) {
            int d1 = v[0].length;
            int d2 = v[0][0].length;
            float[] flat = new float[v.length * d1 * d2];
            for (int s = 0; s < v.length; s++) {
                for (int i = 0; i < d1; i++) {
                    System.arraycopy(v[s][i], 0, flat, (s * d1 + i) * d2, d2);
                }
            }
            return m.create(flat, new Shape(v.length, d1, d2));
        }

        NDArray nd(NDManager m, float[][] v) {
            float[] flat = new float[v.length * v[0].length];
            for (int s = 0; s < v.length; s++) {
                System.arraycopy(v[s], 0, flat, s * v[0].length, v[0].length);
            }
            return m.create(flat, new Shape(v.length, v[0].length));
        }

        boolean[][] protect(int... idx) {
            boolean[][] p = new boolean[b][n];
            for (boolean[] row : p) {
                for (int i : idx) {
                    row[i < 0 ? n + i : i] = true;
                }
            }
            return p;
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void tomeMatchesReference(int seed) {
        Case k = new Case(seed, seed % 2 == 0);
        int r = k.rnd.nextInt(k.n / 2 + 3);
        try (NDManager m = NDManager.newBaseManager()) {
            TokenSet t = TokenSet.builder(k.nd(m, k.x)).sizes(k.nd(m, k.size)).keyMask(k.nd(m, k.mask))
                    .protect(0).build();
            Reduction out = ToMeReducer.builder().r(r).build().reduce(t, SiteInputs.ofMetric(k.nd(m, k.metric)), 0);
            boolean[][] prot = k.protect(0);
            int applied = Nd4jReference.tomeClamp(Math.min(r, k.n), prot);
            assertEquals(applied, out.plan().applied(), "clamped r");
            List<Nd4jReference.Out> ref = new ArrayList<>();
            for (int s = 0; s < k.b; s++) {
                ref.add(Nd4jReference.emit(
                        Nd4jReference.tomeGroups(k.metric[s], prot[s], k.mask[s], applied),
                        k.x[s], k.size[s], k.mask[s], null));
            }
            compare(ref, out);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void crossGetMatchesReferenceInBothModes(int seed) {
        Case k = new Case(100 + seed, seed % 2 == 0);
        int r = k.rnd.nextInt(k.n / 2 + 3);
        EnsembleMode mode = seed % 3 == 0 ? EnsembleMode.NORMALIZED : EnsembleMode.AUTHORS;
        float[][] guide = k.gauss(1, k.b, k.c)[0];
        try (NDManager m = NDManager.newBaseManager()) {
            TokenSet t = TokenSet.builder(k.nd(m, k.x)).sizes(k.nd(m, k.size)).keyMask(k.nd(m, k.mask))
                    .protect(0, -1).build();
            SiteInputs in = SiteInputs.builder().metric(k.nd(m, k.metric)).guide(k.nd(m, guide)).build();
            Reduction out = CrossGetReducer.builder().r(r).ensembleMode(mode).build().reduce(t, in, 0);
            boolean[][] prot = k.protect(0, -1);
            int applied = Math.min(Math.min(r, k.n), (k.n - 2) / 2);
            assertEquals(applied, out.plan().applied());
            List<Nd4jReference.Out> ref = new ArrayList<>();
            for (int s = 0; s < k.b; s++) {
                double[] imp = new double[k.n];
                for (int i = 0; i < k.n; i++) {
                    imp[i] = Nd4jReference.cos(k.metric[s][i], guide[s]);
                }
                List<List<Integer>> groups = Nd4jReference.crossGetGroups(k.metric[s], imp, prot[s],
                        k.mask[s], applied);
                double[] w = new double[k.n];
                for (int i = 0; i < k.n; i++) {
                    w[i] = Math.exp(imp[i]) * k.size[s][i];
                }
                Nd4jReference.Out o = Nd4jReference.emit(groups, k.x[s], k.size[s], k.mask[s],
                        mode == EnsembleMode.NORMALIZED ? w : null);
                if (mode == EnsembleMode.AUTHORS) {
                    for (int g = 0; g < groups.size(); g++) {
                        o.hidden.set(g, Nd4jReference.authorsEnsemble(groups.get(g), k.x[s], k.size[s], imp));
                    }
                }
                ref.add(o);
            }
            compare(ref, out);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void madtpMatchesReference(int seed) {
        Case k = new Case(200 + seed, seed % 2 == 0);
        int h = 1 + k.rnd.nextInt(3);
        int dictSize = 2 + k.rnd.nextInt(6);
        float[][] dict = k.gauss(1, dictSize, k.c)[0];
        float[][][][] att = new float[k.b][h][k.n][k.n];
        for (float[][][] a : att) {
            for (float[][] head : a) {
                for (float[] rowv : head) {
                    double z = 0;
                    for (int j = 0; j < k.n; j++) {
                        rowv[j] = (float) Math.exp(k.rnd.nextGaussian());
                        z += rowv[j];
                    }
                    for (int j = 0; j < k.n; j++) {
                        rowv[j] /= (float) z;
                    }
                }
            }
        }
        boolean dynamic = seed % 3 != 0;
        float temperature = 0.5f + k.rnd.nextFloat() * 4;
        int fixedR = 1 + k.rnd.nextInt(k.n / 2);
        try (NDManager m = NDManager.newBaseManager()) {
            TokenSet t = TokenSet.builder(k.nd(m, k.x)).sizes(k.nd(m, k.size)).keyMask(k.nd(m, k.mask))
                    .protect(0).build();
            float[] attFlat = new float[k.b * h * k.n * k.n];
            int p = 0;
            for (float[][][] a : att) {
                for (float[][] head : a) {
                    for (float[] rowv : head) {
                        System.arraycopy(rowv, 0, attFlat, p, k.n);
                        p += k.n;
                    }
                }
            }
            float[][][] blockInput = k.gauss(k.b, k.n, k.c);
            SiteInputs in = SiteInputs.builder()
                    .attention(m.create(attFlat, new Shape(k.b, h, k.n, k.n))).blockInput(k.nd(m, blockInput)).build();
            MadtpReducer red = MadtpReducer.builder().dictionary(k.nd(m, new float[][][] {dict}).squeeze(0))
                    .schedule(dynamic ? Schedule.dynamic() : Schedule.constant(fixedR))
                    .temperature(temperature).build();
            Reduction out = red.reduce(t, in, 0);
            List<Nd4jReference.Out> ref = new ArrayList<>();
            int[] counts = new int[k.b];
            for (int s = 0; s < k.b; s++) {
                boolean[] prot = new boolean[k.n];
                prot[0] = true;
                boolean[] cand = new boolean[k.n];
                int nc = 0;
                for (int i = 1; i < k.n; i++) {
                    cand[i] = k.mask[s][i] > 0;
                    nc += cand[i] ? 1 : 0;
                }
                double[] tis = Nd4jReference.tis(att[s], blockInput[s], dict, cand, 0);
                int keep = dynamic ? Nd4jReference.keepCount(blockInput[s], dict, tis, cand, temperature)
                        : Math.max(nc - Math.min(fixedR, nc) - 1, 0);
                List<List<Integer>> groups = Nd4jReference.madtpGroups(tis, prot, cand, keep);
                counts[s] = groups.size();
                double[] w = new double[k.n];
                for (int i = 0; i < k.n; i++) {
                    w[i] = 1;
                }
                List<Integer> last = groups.get(groups.size() - 1);
                if (last.size() > 1) {
                    for (int i : last) {
                        w[i] = tis[i];
                    }
                }
                ref.add(Nd4jReference.emit(groups, k.x[s], k.size[s], k.mask[s], w));
            }
            assertArrayEquals(counts, out.plan().counts(), "per-sample counts");
            compare(ref, out);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void pumerMatchesReference(int seed) {
        Case k = new Case(300 + seed, false);
        int lt = 2 + k.rnd.nextInt(k.n - 4);
        int li = k.n - lt;
        float[][] mask = new float[k.b][k.n];
        for (int s = 0; s < k.b; s++) {
            int realText = 1 + k.rnd.nextInt(lt);
            for (int i = 0; i < k.n; i++) {
                mask[s][i] = i >= lt || i < realText ? 1 : 0;
            }
        }
        double prune = k.rnd.nextDouble() * 0.5;
        double merge = k.rnd.nextDouble() * 0.5;
        double text = k.rnd.nextDouble() * 0.5;
        float[][][] t2i = new float[k.b][lt][li];
        for (float[][] a : t2i) {
            for (float[] rowv : a) {
                for (int j = 0; j < li; j++) {
                    rowv[j] = k.rnd.nextFloat();
                }
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            TokenSet t = TokenSet.builder(k.nd(m, k.x)).keyMask(k.nd(m, mask))
                    .spans(ModalitySpans.textThenImage(lt, li)).build();
            SiteInputs in = SiteInputs.builder().metric(k.nd(m, k.metric))
                    .crossAttention(k.nd(m, t2i)).build();
            // odd seeds: the authors' padding votes and summed ("tip") image groups
            boolean authors = seed % 2 == 1;
            Reduction out = PumerReducer.builder().pruneRatio(prune).mergeRatio(merge)
                    .textMergeRatio(text).layers(0)
                    .textVotes(authors ? TextVotes.ALL_ROWS : TextVotes.REAL_TEXT)
                    .imageMerge(authors ? ImageMerge.TIP : ImageMerge.TOME).build().reduce(t, in, 0);
            List<Nd4jReference.Out> ref = new ArrayList<>();
            for (int s = 0; s < k.b; s++) {
                ref.add(pumerReference(k, s, lt, li, mask[s], t2i[s], prune, merge, text, authors));
            }
            compare(ref, out);
        }
    }

    private static Nd4jReference.Out pumerReference(Case k, int s, int lt, int li, float[] mask,
            float[][] t2i, double prune, double merge, double text, boolean authors) {
        float[] ones = new float[k.n];
        java.util.Arrays.fill(ones, 1f);
        // text
        float[][] tk = java.util.Arrays.copyOfRange(k.metric[s], 0, lt);
        boolean[] tp = new boolean[lt];
        tp[0] = true;
        int tr = (int) Math.rint(text * lt);
        List<List<Integer>> groups = new ArrayList<>();
        if (tr > 0) {
            groups.addAll(Nd4jReference.tomeGroups(tk, tp, null,
                    Nd4jReference.tomeClamp(Math.min(tr, lt), new boolean[][] {tp})));
        } else {
            for (int i = 0; i < lt; i++) {
                groups.add(new ArrayList<>(List.of(i)));
            }
        }
        // image: score, prune, merge
        double tlen = 0;
        for (int i = 0; i < lt; i++) {
            tlen += mask[i];
        }
        double[] score = new double[li];
        for (int j = 0; j < li; j++) {
            for (int i = 0; i < lt; i++) {
                score[j] += (authors ? 1 : mask[i]) * t2i[i][j];
            }
            score[j] /= Math.max(tlen, 1e-6);
        }
        int keep = Math.max(li - (int) Math.rint(prune * li), 1);
        List<Integer> order = Nd4jReference.sortedBy(li, score, true);
        List<Integer> kept = order.subList(0, keep);
        float[][] km = new float[keep][];
        float[] kmask = new float[keep];
        for (int q = 0; q < keep; q++) {
            km[q] = k.metric[s][lt + kept.get(q)];
            kmask[q] = 1;
        }
        boolean[] kp = new boolean[keep];
        kp[0] = true;
        int r = Math.min((int) Math.rint(merge * li), keep);
        List<List<Integer>> img = Nd4jReference.tomeGroups(km, kp, kmask,
                Nd4jReference.tomeClamp(r, new boolean[][] {kp}));
        for (List<Integer> g : img) {
            List<Integer> mapped = new ArrayList<>();
            for (int q : g) {
                mapped.add(lt + kept.get(q));
            }
            groups.add(mapped);
        }
        Nd4jReference.Out o = Nd4jReference.emit(groups, k.x[s], ones, mask, null);
        for (int g = groups.size() - img.size(); g < groups.size(); g++) {
            o.mask.set(g, 1f);
            if (authors) { // tip: the group's sum, not its mean
                float n = groups.get(g).size();
                float[] h = o.hidden.get(g);
                for (int d = 0; d < h.length; d++) {
                    h[d] *= n;
                }
            }
        }
        return o;
    }

    private static void compare(List<Nd4jReference.Out> ref, Reduction out) {
        MergePlan plan = out.plan();
        long[] keep = plan.keep().toLongArray();
        int len = plan.outputLength();
        float[] hidden = out.tokens().hidden().toFloatArray();
        float[] sizes = out.tokens().sizes().toFloatArray();
        float[] mask = out.tokens().keyMask().toFloatArray();
        int c = out.tokens().width();
        for (int s = 0; s < ref.size(); s++) {
            Nd4jReference.Out o = ref.get(s);
            assertEquals(o.anchors.size(), plan.counts()[s], "sample " + s + " count");
            for (int q = 0; q < o.anchors.size(); q++) {
                int at = s * len + q;
                assertEquals((long) o.anchors.get(q), keep[at], "sample " + s + " anchor of output " + q);
                assertEquals(o.sizes.get(q), sizes[at], 1e-5, "sample " + s + " size of output " + q);
                assertEquals(o.mask.get(q), mask[at], 1e-5, "sample " + s + " mask of output " + q);
                for (int d = 0; d < c; d++) {
                    assertEquals(o.hidden.get(q)[d], hidden[at * c + d], 1e-5,
                            "sample " + s + " hidden[" + q + ", " + d + "]");
                }
            }
            for (int q = o.anchors.size(); q < len; q++) {
                assertEquals(0f, mask[s * len + q], "padding slot " + q + " of sample " + s);
            }
        }
    }
}
