package io.github.tokenreduce.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.util.Tensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

/**
 * Applying a {@link MergePlan} (row gathers, group totals and weighted means shared through
 * {@link MergePlan.Weights}, {@link TokenSet#merge}) against plain Java loops over a random slot
 * assignment: each output is its anchor plus its sources, pruned inputs are in no group, and ragged
 * plans pad the shorter samples with zero slots.
 */
class MergePlanApplyTest {

    /** A random assignment: per sample, some inputs pruned, the rest in {@code counts[b]} groups. */
    private static final class Assignment {
        final int b;
        final int n;
        final int c = 5;
        final long[][] slot;
        final boolean[][] anchor;
        final int[] counts;
        final int maxSources;
        final float[][][] x;
        final float[][] w;

        Assignment(long seed, boolean ragged) {
            Random rnd = new Random(seed);
            b = 1 + rnd.nextInt(4);
            n = 4 + rnd.nextInt(20);
            slot = new long[b][n];
            anchor = new boolean[b][n];
            counts = new int[b];
            int most = 0;
            for (int s = 0; s < b; s++) {
                int pruned = ragged ? rnd.nextInt(n / 3 + 1) : 0;
                int groups = 1 + rnd.nextInt(n - pruned);
                // inputs in a random order: the first `groups` are anchors of slots 0.., the next sources
                int[] perm = shuffled(n, rnd);
                int sources = 0;
                for (int k = 0; k < n; k++) {
                    int i = perm[k];
                    if (k < groups) {
                        slot[s][i] = k;
                        anchor[s][i] = true;
                    } else if (k < n - pruned) {
                        slot[s][i] = rnd.nextInt(groups);
                        sources++;
                    } else {
                        slot[s][i] = -1;
                    }
                }
                counts[s] = groups;
                most = Math.max(most, sources);
            }
            maxSources = most;
            x = new float[b][n][c];
            w = new float[b][n];
            for (int s = 0; s < b; s++) {
                for (int i = 0; i < n; i++) {
                    w[s][i] = 0.5f + rnd.nextInt(4);
                    for (int k = 0; k < c; k++) {
                        x[s][i][k] = (float) rnd.nextGaussian();
                    }
                }
            }
        }

        private static int[] shuffled(int n, Random rnd) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            return p;
        }

        MergePlan plan(NDManager m) {
            long[] flatSlot = new long[b * n];
            boolean[] flatAnchor = new boolean[b * n];
            for (int s = 0; s < b; s++) {
                System.arraycopy(slot[s], 0, flatSlot, s * n, n);
                System.arraycopy(anchor[s], 0, flatAnchor, s * n, n);
            }
            return MergePlan.fromAssignment(m.create(flatSlot, new Shape(b, n)),
                    m.create(flatAnchor, new Shape(b, n)), counts, maxSources, -1, -1);
        }

        int out() {
            return java.util.Arrays.stream(counts).max().orElse(0);
        }

        /** Σ w over the group of slot o of sample s (0 on padding slots). */
        double total(int s, int o) {
            double t = 0;
            for (int i = 0; i < n; i++) {
                if (slot[s][i] == o) {
                    t += w[s][i];
                }
            }
            return t;
        }

        /** Σ w x / Σ w over the group of slot o of sample s, channel k (0 on padding slots). */
        double mean(int s, int o, int k) {
            double num = 0;
            for (int i = 0; i < n; i++) {
                if (slot[s][i] == o) {
                    num += w[s][i] * x[s][i][k];
                }
            }
            double t = total(s, o);
            return t == 0 ? 0 : num / t;
        }

        /** The anchor input of slot o of sample s, or -1 for a padding slot. */
        int anchorOf(int s, int o) {
            for (int i = 0; i < n; i++) {
                if (anchor[s][i] && slot[s][i] == o) {
                    return i;
                }
            }
            return -1;
        }

        NDArray hidden(NDManager m) {
            float[] flat = new float[b * n * c];
            for (int s = 0; s < b; s++) {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(x[s][i], 0, flat, (s * n + i) * c, c);
                }
            }
            return m.create(flat, new Shape(b, n, c));
        }

        NDArray weights(NDManager m) {
            float[] flat = new float[b * n];
            for (int s = 0; s < b; s++) {
                System.arraycopy(w[s], 0, flat, s * n, n);
            }
            return m.create(flat, new Shape(b, n));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void weightsGiveGroupTotalsAndMeans(long seed) {
        for (boolean ragged : new boolean[] {false, true}) {
            Assignment a = new Assignment(seed, ragged);
            try (NDManager m = NDManager.newBaseManager()) {
                MergePlan plan = a.plan(m);
                MergePlan.Weights bw = plan.weights(a.weights(m));
                float[] total = bw.total().toFloatArray();
                float[] mean3 = bw.mean(a.hidden(m)).toFloatArray();
                float[] mean2 = bw.mean(a.hidden(m).get(":, :, 2")).toFloatArray();
                int out = a.out();
                assertArrayEquals(new long[] {a.b, out}, bw.total().getShape().getShape());
                for (int s = 0; s < a.b; s++) {
                    for (int o = 0; o < out; o++) {
                        String where = "seed " + seed + " ragged " + ragged + " sample " + s + " slot " + o;
                        assertEquals(a.total(s, o), total[s * out + o], 1e-5, "total, " + where);
                        assertEquals(a.mean(s, o, 2), mean2[s * out + o], 1e-5, "mean of [B, N], " + where);
                        for (int k = 0; k < a.c; k++) {
                            assertEquals(a.mean(s, o, k), mean3[(s * out + o) * a.c + k], 1e-5,
                                    "mean of [B, N, C], " + where + " channel " + k);
                        }
                    }
                }
                // the same totals as the plan's plain sum, bit for bit
                assertArrayEquals(plan.sum(a.weights(m)).toFloatArray(), total, 0f, "sum vs total, seed " + seed);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14})
    void gatherTokensCopiesTheIndexedRowsOfEachSample(long seed) {
        Assignment a = new Assignment(seed, true);
        Random rnd = new Random(seed);
        int k = 1 + rnd.nextInt(2 * a.n);
        long[] idx = new long[a.b * k];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = rnd.nextInt(a.n);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x4 = a.hidden(m).reshape(a.b, a.n, 1, a.c); // rank 4 too
            float[] got = Tensors.gatherTokens(x4, m.create(idx, new Shape(a.b, k))).toFloatArray();
            assertArrayEquals(new long[] {a.b, k, 1, a.c},
                    Tensors.gatherTokens(x4, m.create(idx, new Shape(a.b, k))).getShape().getShape());
            for (int s = 0; s < a.b; s++) {
                for (int j = 0; j < k; j++) {
                    float[] row = java.util.Arrays.copyOfRange(got, (s * k + j) * a.c, (s * k + j + 1) * a.c);
                    assertArrayEquals(a.x[s][(int) idx[s * k + j]], row, 0f, "sample " + s + " row " + j);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24})
    void mergeMeansEveryFieldBySizeAndFollowsTheAnchors(long seed) {
        Assignment a = new Assignment(seed, true);
        try (NDManager m = NDManager.newBaseManager()) {
            MergePlan plan = a.plan(m);
            NDArray prot = m.randomUniform(0f, 1f, new Shape(a.b, a.n)).gt(0.7f).toType(DataType.FLOAT32, false);
            NDArray mask = m.randomUniform(0.1f, 1f, new Shape(a.b, a.n));
            TokenSet t = TokenSet.builder(a.hidden(m)).sizes(a.weights(m)).keyMask(mask).protectedMask(prot)
                    .attach("id", a.hidden(m).get(":, :, 0")).build();
            TokenSet merged = t.merge(plan, null);
            TokenSet applied = t.apply(plan, plan.weightedMean(t.hidden(), t.sizes()), null);
            int out = a.out();
            float[] h = merged.hidden().toFloatArray();
            float[] sizes = merged.sizes().toFloatArray();
            float[] id = merged.attachments().get("id").toFloatArray();
            float[] p = merged.protectedMask().toFloatArray();
            float[] pIn = prot.toFloatArray();
            for (int s = 0; s < a.b; s++) {
                for (int o = 0; o < out; o++) {
                    String where = "seed " + seed + " sample " + s + " slot " + o;
                    assertEquals(a.total(s, o), sizes[s * out + o], 1e-5, "sizes, " + where);
                    assertEquals(a.mean(s, o, 0), id[s * out + o], 1e-5, "attachment, " + where);
                    assertEquals(a.mean(s, o, 3), h[(s * out + o) * a.c + 3], 1e-5, "hidden, " + where);
                    int anc = a.anchorOf(s, o);
                    assertEquals(anc < 0 ? 0f : pIn[s * a.n + anc], p[s * out + o], 0f, "protection, " + where);
                }
            }
            // merge is apply with the size-weighted mean of the hidden states
            assertArrayEquals(applied.hidden().toFloatArray(), h, 0f, "merge vs apply, seed " + seed);
            assertArrayEquals(applied.keyMask().toFloatArray(), merged.keyMask().toFloatArray(), 0f);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {31})
    void applyRejectsWeightsOfAnotherArray(long seed) {
        Assignment a = new Assignment(seed, false);
        try (NDManager m = NDManager.newBaseManager()) {
            MergePlan plan = a.plan(m);
            TokenSet t = TokenSet.builder(a.hidden(m)).sizes(a.weights(m)).build();
            MergePlan.Weights other = plan.weights(t.sizes().duplicate());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.apply(other, t.hidden(), null));
            assertEquals(true, e.getMessage().startsWith("bySize:"), e.getMessage());
        }
    }
}
