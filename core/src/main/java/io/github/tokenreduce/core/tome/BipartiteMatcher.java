package io.github.tokenreduce.core.tome;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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
 * ToMe bipartite soft matching (Bolya et al., ICLR 2023): one step that
 * removes {@code r} tokens.
 *
 * <ol>
 *   <li>L2-normalise the metric; set A = even positions, set B = odd positions;
 *       {@code S = Â·B̂ᵀ} [B, ⌈N/2⌉, ⌊N/2⌋];
 *   <li>protected tokens never match ({@link MatchMasks}); padding matches only padding;
 *   <li>each A token's best edge (its first best B token, cosines within 1e-6 counting as equal);
 *       the {@code r} A tokens with the best edges (stable order, ties by index) merge into their B
 *       partner;
 *   <li>output order {@code [protected (by index), unmerged A (by index), other B]}: ToMe's
 *       deliberate shuffle, which with a class token (and DeiT's distillation token) is exactly
 *       ToMe's {@code [cls, (dist,) unm, dst]}.
 * </ol>
 * r is clamped to {@code (N - #protected) // 2} and to the unprotected A tokens available.
 */
public final class BipartiteMatcher {

    /**
     * Cosines this close to a token's best edge count as ties for its destination, which goes to
     * the first such B token: identical tokens (padding patches) then match alike whatever the GEMM
     * rounds, as they do in the authors' float32 runs on a reference BLAS.
     */
    static final float TIE_TOLERANCE = 1e-6f;

    private BipartiteMatcher() {}

    /**
     * Plans one merge step.
     *
     * @param metric [B, N, c] keys (any scale; normalised here), finite
     * @param protectedMask [B, N], 1 for protected tokens
     * @param keyMask [B, N], 0 for padding; {@code null} lets padding merge with real tokens
     * @param r tokens to remove, {@code 0 <= r <= N}
     * @param tie how equal best edges are ordered
     */
    public static MergePlan match(NDArray metric, NDArray protectedMask, NDArray keyMask, int r,
            TieBreak tie) {
        long batch = protectedMask.getShape().get(0);
        int n = (int) protectedMask.getShape().get(1);
        Checks.shape("metric", metric, new long[] {batch, n, -1}, "[B, N, c]");
        NDArray unit = Tensors.normalizeChecked("metric", metric);
        Checks.nonNegative("r", r);
        if (r > n) {
            throw new IllegalArgumentException("r: cannot remove " + r + " tokens from N = " + n
                    + " (metric " + metric.getShape() + "); expected 0 <= r <= N");
        }
        int applied = clamp(r, n, protectedMask);
        if (applied == 0) {
            return MergePlan.identity(metric, (int) batch, n);
        }
        int[] perSample = new int[(int) batch];
        Arrays.fill(perSample, applied);
        int[] counts = new int[(int) batch];
        Arrays.fill(counts, n - applied);
        // without padding the padding rule changes nothing: skip it
        return plan(unit, protectedMask, MatchMasks.paddingOrNull(keyMask), perSample, counts, false, r, applied,
                tie);
    }

    /**
     * Plans one merge step in which sample b removes {@code r[b]} of its own real tokens (clamped
     * to what it can take): padding neither merges nor survives, each sample's output is its real
     * tokens in the order it would have alone, padded to the largest count with invalid slots. A
     * sample that removes nothing keeps its order. The result does not depend on the batch.
     *
     * @param keyMask [B, N], 0 for padding (required)
     * @param r tokens each sample removes, {@code >= 0}
     */
    public static MergePlan matchPerSample(NDArray metric, NDArray protectedMask, NDArray keyMask, int[] r,
            TieBreak tie) {
        long batch = protectedMask.getShape().get(0);
        int n = (int) protectedMask.getShape().get(1);
        Checks.shape("metric", metric, new long[] {batch, n, -1}, "[B, N, c]");
        Checks.shape("keyMask", keyMask, new long[] {batch, n}, "[B, N]");
        NDArray unit = Tensors.normalizeChecked("metric", metric);
        if (r.length != batch) {
            throw new IllegalArgumentException("r: got " + r.length + " counts for batch " + batch
                    + "; expected one per sample");
        }
        NDArray real = keyMask.gt(0f).toType(DataType.FLOAT32, false);
        NDArray realProt = protectedMask.gt(0f).toType(DataType.FLOAT32, false).mul(real);
        int[] len = MatchMasks.countPositive(real);
        int[] p = MatchMasks.countPositive(realProt);
        int[] pa = MatchMasks.countPositive(realProt.get(":, 0::2"));
        int[] pb = MatchMasks.countPositive(realProt.get(":, 1::2"));
        int[] limit = new int[(int) batch];
        for (int s = 0; s < batch; s++) {
            int freeB = len[s] / 2 - pb[s];
            limit[s] = freeB <= 0 ? 0 : Math.min((len[s] - p[s]) / 2, (len[s] + 1) / 2 - pa[s]);
        }
        PerSampleClamp c = PerSampleClamp.of(r, limit, len);
        if (c == null) {
            return MergePlan.identity(metric, (int) batch, n);
        }
        return plan(unit, protectedMask, keyMask, c.applied(), c.counts(), true, c.requested(), c.appliedAll(), tie);
    }

    /**
     * The plan for per-sample removal counts; with {@code dropPadding} padding rows never rank as
     * sources, padding tokens get no slot, and samples that remove nothing keep their order.
     */
    private static MergePlan plan(NDArray unit, NDArray protectedMask, NDArray keyMask, int[] applied,
            int[] counts, boolean dropPadding, int requested, int appliedAll, TieBreak tie) {
        int n = (int) protectedMask.getShape().get(1);
        int na = (n + 1) / 2;
        int nb = n / 2;
        NDArray protA = protectedMask.get(":, 0::2");
        NDArray protB = protectedMask.get(":, 1::2");
        NDArray mn = unit; // the L2-normalised metric
        NDArray a = mn.get(":, 0::2, :");
        NDArray b = mn.get(":, 1::2, :");
        NDArray scores = a.matMul(b.transpose(0, 2, 1));
        scores = MatchMasks.apply(scores, protA, protB,
                keyMask == null ? null : keyMask.get(":, 0::2"),
                keyMask == null ? null : keyMask.get(":, 1::2"));

        NDArray isProtA = protA.gt(0f);
        NDArray isProtB = protB.gt(0f);
        NDArray realA = dropPadding ? keyMask.get(":, 0::2").gt(0f) : null;
        NDArray realB = dropPadding ? keyMask.get(":, 1::2").gt(0f) : null;
        // A protected (or, when dropped, padding) A row has no edge; it ranks below every other row.
        NDArray noEdge = dropPadding ? isProtA.logicalOr(realA.logicalNot()) : isProtA;
        NDArray best = scores.max(new int[] {2});
        NDArray nodeMax = Tensors.where(noEdge.logicalNot(), best, 2 * Tensors.NEG);
        NDArray nodeIdx = Tensors.argMaxFirst(scores, best, 2, TIE_TOLERANCE);
        boolean uniform = Arrays.stream(applied).allMatch(x -> x == applied[0]);
        NDArray ranks = StableOrder.descendingRanks(nodeMax, tie);
        NDArray appliedCol = dropPadding || !uniform ? column(applied, nodeMax) : null;
        NDArray isSrcA = uniform ? ranks.lt((long) applied[0]) : ranks.lt(appliedCol);
        // Output: protected tokens by index, then unmerged A by index, then B (ToMe's order; with a
        // class token and a distillation token this is ToMe's [cls, dist, unm[1:], dst[1:]]).
        NDArray prot = protectedMask.gt(0f);
        NDArray protSlot = cumSlot(prot, null);
        NDArray protCount = count(prot);
        NDArray unmergedA = isSrcA.logicalNot().logicalAnd(isProtA.logicalNot());
        NDArray freeB = isProtB.logicalNot();
        if (dropPadding) {
            unmergedA = unmergedA.logicalAnd(realA);
            freeB = freeB.logicalAnd(realB);
        }
        NDArray slotFreeB = cumSlot(freeB, protCount.add(count(unmergedA)));
        NDArray slotB = Tensors.select(isProtB, protSlot.get(":, 1::2"),
                dropPadding ? Tensors.select(realB, slotFreeB, slotFreeB.zerosLike().sub(1L)) : slotFreeB);
        NDArray slotUnmergedA = cumSlot(unmergedA, protCount);
        NDArray slotA = Tensors.select(isProtA, protSlot.get(":, 0::2"),
                Tensors.select(isSrcA, slotB.gather(nodeIdx, 1),
                        dropPadding ? Tensors.select(realA, slotUnmergedA, slotUnmergedA.zerosLike().sub(1L))
                                : slotUnmergedA));
        NDArray anchorA = dropPadding ? isSrcA.logicalNot().logicalAnd(realA) : isSrcA.logicalNot();
        NDArray anchorB = slotB.gte(0L);
        NDArray slots = interleave(slotA, slotB, na, nb);
        NDArray anchors = interleave(anchorA, anchorB, na, nb);
        if (dropPadding) {
            // a sample that removes nothing keeps its real tokens in their order, as it would alone
            NDArray real = keyMask.gt(0f);
            NDArray acts = appliedCol.gt(0L);
            NDArray idx = Tensors.arange(slots, n).expandDims(0).broadcast(slots.getShape());
            slots = Tensors.select(acts, slots, Tensors.select(real, idx, idx.zerosLike().sub(1L)));
            anchors = Tensors.select(acts, anchors, real);
        }
        int maxSources = Arrays.stream(applied).max().orElse(0);
        return MergePlan.fromAssignment(slots, anchors, counts, maxSources, requested, appliedAll);
    }

    private static NDArray column(int[] values, NDArray like) {
        return like.getManager().create(values).toType(DataType.INT64, false)
                .toDevice(like.getDevice(), false).reshape(values.length, 1);
    }

    /** Largest r' <= r that every sample can take in one step (one host read of the mask). */
    private static int clamp(int r, int n, NDArray prot) {
        int batch = (int) prot.getShape().get(0);
        float[] m = prot.toType(DataType.FLOAT32, false).toFloatArray();
        int na = (n + 1) / 2;
        int nb = n / 2;
        int out = r;
        for (int s = 0; s < batch; s++) {
            int pa = 0;
            int pb = 0;
            for (int i = 0; i < n; i++) {
                if (m[s * n + i] > 0f) {
                    if (i % 2 == 0) {
                        pa++;
                    } else {
                        pb++;
                    }
                }
            }
            int freeB = nb - pb;
            int limit = freeB == 0 ? 0 : Math.min((n - pa - pb) / 2, na - pa);
            out = Math.min(out, limit);
        }
        return Math.max(out, 0);
    }

    /** {@code offset + (running count of set entries) - 1} for each entry of {@code mask} [B, M]. */
    private static NDArray cumSlot(NDArray mask, NDArray offset) {
        NDArray c = mask.cumSum(1).sub(1L); // a boolean running sum counts in int64
        return offset == null ? c : c.add(offset);
    }

    /** Per-sample count of set entries, int64 [B, 1]. */
    private static NDArray count(NDArray mask) {
        return mask.sum(new int[] {1}, true); // int64 for a boolean mask
    }

    /** Re-interleaves A (even) and B (odd) rows into token order [B, N]. */
    private static NDArray interleave(NDArray a, NDArray b, int na, int nb) {
        long batch = a.getShape().get(0);
        NDArray paired = NDArrays.stack(new NDList(a.get(":, :" + nb), b), 2).reshape(batch, 2L * nb);
        return na > nb ? NDArrays.concat(new NDList(paired, a.get(":, " + nb + ":")), 1) : paired;
    }
}
