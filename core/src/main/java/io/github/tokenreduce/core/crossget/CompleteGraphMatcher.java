package io.github.tokenreduce.core.crossget;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.tokenreduce.core.MergePlan;
import io.github.tokenreduce.core.TieBreak;
import io.github.tokenreduce.core.util.Checks;
import io.github.tokenreduce.core.util.MatchMasks;
import io.github.tokenreduce.core.util.PerSampleClamp;
import io.github.tokenreduce.core.StableOrder;
import io.github.tokenreduce.core.util.Tensors;

import java.util.Arrays;

/**
 * CrossGET complete-graph soft matching (Shi et al., ICML 2024): one
 * parallel, conflict-free step over all token pairs.
 *
 * <ol>
 *   <li>{@code S = M̂M̂ᵀ} [B, N, N]; diagonal and protected rows/columns blocked;
 *   <li>rank tokens by their best similarity {@code m_i = max_j S[i,j]} (stable, ties by index);
 *   <li>triangular conflict mask: i may only pair with j ranked after it,
 *       {@code m̃_i = max_{rank(j) > rank(i)} S[i,j]};
 *   <li>source score {@code σ_i = I_i - m̃_i}; the r lowest become sources, the rest the
 *       destination pool;
 *   <li>each source joins its most similar pool token (unmasked S).
 * </ol>
 * Surviving tokens keep their original relative order. r is clamped to
 * {@code (N - #protected) // 2}.
 */
public final class CompleteGraphMatcher {

    private CompleteGraphMatcher() {}

    /**
     * Plans one merge step.
     *
     * @param metric [B, N, c] keys, finite
     * @param importance [B, N] cross-guided importance, finite
     * @param protectedMask [B, N], 1 for protected tokens
     * @param keyMask [B, N], 0 for padding
     * @param r tokens to remove, {@code 0 <= r <= N}
     * @param tie how equal scores are ordered
     */
    public static MergePlan match(NDArray metric, NDArray importance, NDArray protectedMask,
            NDArray keyMask, int r, TieBreak tie) {
        return match(metric, null, importance, protectedMask, keyMask, r, tie);
    }

    /**
     * As {@link #match}, with {@code unit} the metric already normalised by
     * {@link Tensors#normalizeChecked} (null: checked and normalised here).
     */
    static MergePlan match(NDArray metric, NDArray unit, NDArray importance, NDArray protectedMask,
            NDArray keyMask, int r, TieBreak tie) {
        long batch = protectedMask.getShape().get(0);
        int n = (int) protectedMask.getShape().get(1);
        Checks.shape("metric", metric, new long[] {batch, n, -1}, "[B, N, c]");
        Checks.shape("importance", importance, new long[] {batch, n}, "[B, N]");
        NDArray mn = unit != null ? unit : Tensors.normalizeChecked("metric", metric);
        Checks.finite("importance", importance);
        Checks.nonNegative("r", r);
        if (r > n) {
            throw new IllegalArgumentException("r: cannot remove " + r + " tokens from N = " + n
                    + " (metric " + metric.getShape() + "); expected 0 <= r <= N");
        }
        int maxProtected = Arrays.stream(MatchMasks.countPositive(protectedMask)).max().orElse(0);
        int applied = Math.min(r, (n - maxProtected) / 2);
        if (applied <= 0) {
            return MergePlan.identity(metric, (int) batch, n);
        }
        int[] perSample = new int[(int) batch];
        Arrays.fill(perSample, applied);
        int[] counts = new int[(int) batch];
        Arrays.fill(counts, n - applied);
        // without padding the padding rule changes nothing: skip it
        return plan(mn, importance, protectedMask, MatchMasks.paddingOrNull(keyMask), perSample, counts,
                false, r, applied, tie);
    }

    /**
     * Plans one step in which sample b removes {@code r[b]} of its own real tokens, clamped to
     * {@code (n_b - #protected_b) // 2}: padding neither merges nor survives, each sample's output
     * is its real tokens in their original order, padded to the largest count with invalid slots.
     * The result does not depend on the batch.
     *
     * @param keyMask [B, N], 0 for padding (required)
     * @param r tokens each sample removes, {@code >= 0}
     */
    public static MergePlan matchPerSample(NDArray metric, NDArray importance, NDArray protectedMask,
            NDArray keyMask, int[] r, TieBreak tie) {
        return matchPerSample(metric, null, importance, protectedMask, keyMask, r, tie);
    }

    /** As {@link #matchPerSample}, with {@code unit} as in {@link #match(NDArray, NDArray, NDArray, NDArray, NDArray, int, TieBreak)}. */
    static MergePlan matchPerSample(NDArray metric, NDArray unit, NDArray importance, NDArray protectedMask,
            NDArray keyMask, int[] r, TieBreak tie) {
        long batch = protectedMask.getShape().get(0);
        int n = (int) protectedMask.getShape().get(1);
        Checks.shape("metric", metric, new long[] {batch, n, -1}, "[B, N, c]");
        Checks.shape("importance", importance, new long[] {batch, n}, "[B, N]");
        Checks.shape("keyMask", keyMask, new long[] {batch, n}, "[B, N]");
        NDArray mn = unit != null ? unit : Tensors.normalizeChecked("metric", metric);
        Checks.finite("importance", importance);
        if (r.length != batch) {
            throw new IllegalArgumentException("r: got " + r.length + " counts for batch " + batch
                    + "; expected one per sample");
        }
        NDArray real = keyMask.gt(0f).toType(DataType.FLOAT32, false);
        int[] len = MatchMasks.countPositive(real);
        int[] p = MatchMasks.countPositive(protectedMask.gt(0f).toType(DataType.FLOAT32, false).mul(real));
        int[] limit = new int[(int) batch];
        for (int s = 0; s < batch; s++) {
            limit[s] = (len[s] - p[s]) / 2;
        }
        PerSampleClamp c = PerSampleClamp.of(r, limit, len);
        if (c == null) {
            return MergePlan.identity(metric, (int) batch, n);
        }
        return plan(mn, importance, protectedMask, keyMask, c.applied(), c.counts(), true, c.requested(),
                c.appliedAll(), tie);
    }

    /** The plan for per-sample removal counts; with {@code dropPadding} padding is never a source and gets no slot. */
    private static MergePlan plan(NDArray mn, NDArray importance, NDArray protectedMask, NDArray keyMask,
            int[] applied, int[] counts, boolean dropPadding, int requested, int appliedAll, TieBreak tie) {
        int n = (int) protectedMask.getShape().get(1);
        NDArray sim = mn.matMul(mn.transpose(0, 2, 1));
        // Exactly symmetric, so a mutually-best pair ties exactly whatever the GEMM kernel rounds.
        sim = sim.add(sim.transpose(0, 2, 1)).mul(0.5f);
        NDArray idx = Tensors.arange(mn, n);
        NDArray diagonal = idx.reshape(1, n, 1).eq(idx.reshape(1, 1, n));
        sim = MatchMasks.apply(sim, protectedMask, protectedMask, keyMask, keyMask, diagonal);

        NDArray rank = StableOrder.descendingRanks(sim.max(new int[] {2}), tie);
        NDArray later = rank.expandDims(1).gt(rank.expandDims(2)); // [b, i, j]: rank(j) > rank(i)
        NDArray bestLater = Tensors.where(later, sim, Tensors.NEG).max(new int[] {2});
        NDArray sigma = importance.sub(bestLater);
        NDArray real = dropPadding ? keyMask.gt(0f) : null;
        if (dropPadding) {
            sigma = Tensors.where(real, sigma, -2 * Tensors.NEG); // padding ranks after every real token
        }
        NDArray sigmaRanks = StableOrder.ascendingRanks(sigma, tie);
        NDArray isSource = Arrays.stream(applied).allMatch(a -> a == applied[0]) ? sigmaRanks.lt((long) applied[0])
                : sigmaRanks.lt(importance.getManager().create(applied).toType(DataType.INT64, false)
                        .toDevice(importance.getDevice(), false).reshape(applied.length, 1));
        NDArray isDest = isSource.logicalNot();

        NDArray dest = Tensors.argMaxFirst(Tensors.blockUnless(sim, isDest.expandDims(1)), 2);
        // padding (which may sit before a real cross token) takes no slot when dropped
        NDArray anchors = dropPadding ? isDest.logicalAnd(real) : isDest;
        NDArray destSlot = anchors.cumSum(1).sub(1L); // a boolean running sum counts in int64
        NDArray slots = Tensors.select(isSource, destSlot.gather(dest, 1), destSlot);
        if (dropPadding) {
            slots = Tensors.select(real, slots, slots.zerosLike().sub(1L));
        }
        int maxSources = Arrays.stream(applied).max().orElse(0);
        return MergePlan.fromAssignment(slots, anchors, counts, maxSources, requested, appliedAll);
    }
}
