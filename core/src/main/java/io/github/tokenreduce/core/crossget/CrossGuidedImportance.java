package io.github.tokenreduce.core.crossget;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.util.Checks;
import io.github.tokenreduce.core.util.Tensors;

/**
 * CrossGET's cross-guidance signal (ALGORITHMS.md §1.3): how important each token is to the
 * guide. A model supplies the guide; this class knows nothing of where it came from.
 */
public final class CrossGuidedImportance {

    private CrossGuidedImportance() {}

    /**
     * CLIP/CoOp variant: {@code I_i = cos(k_i, q_guide)}, values in [-1, 1].
     *
     * @param keys [B, N, c] keys (pre-head-split in CrossGET-CLIP)
     * @param guide [B, c] guide query: the cross token's (vision), the end-of-text token's
     *     (text), or the other modality's cross token (modality-dependent models)
     * @return [B, N]
     */
    public static NDArray cosine(NDArray keys, NDArray guide) {
        Checks.rank("metric", keys, 3, "[B, N, c]");
        return cosineOfUnit(Tensors.normalize(keys), guide);
    }

    /** As {@link #cosine} with the keys already L2-normalised ({@code unitKeys} [B, N, c], checked by the caller). */
    static NDArray cosineOfUnit(NDArray unitKeys, NDArray guide) {
        long b = unitKeys.getShape().get(0);
        long c = unitKeys.getShape().get(2);
        Checks.shape("guide", guide, new long[] {b, c}, "[B, c]");
        Checks.finite("guide", guide);
        NDArray g = Tensors.normalize(guide).expandDims(2); // [B, c, 1]
        return unitKeys.matMul(g).squeeze(2);
    }

    /**
     * LLaVA variant from attention probabilities: {@code I_j = mean_{i≠cross} Ā[i, j] + Ā[cross, j]}
     * with {@code Ā} the head-mean attention.
     *
     * @param attention [B, H, N, N] or head-averaged [B, N, N]
     * @param crossIndex the cross token's index (negative counts from the end)
     * @return [B, N]
     */
    public static NDArray fromAttention(NDArray attention, int crossIndex) {
        NDArray mean = attention.getShape().dimension() == 4
                ? attention.mean(new int[] {1}) : attention;
        Checks.rank("attention", mean, 3, "[B, H, N, N] or [B, N, N]");
        long n = mean.getShape().get(1);
        if (mean.getShape().get(2) != n) {
            throw new IllegalArgumentException("attention: expected square [.., N, N] but got "
                    + attention.getShape());
        }
        int cross = crossIndex < 0 ? (int) n + crossIndex : crossIndex;
        if (cross < 0 || cross >= n) {
            throw new IllegalArgumentException("crossIndex: " + crossIndex + " out of range for N = " + n);
        }
        NDArray crossRow = mean.get(":, " + cross + ", :");
        NDArray others = mean.sum(new int[] {1}).sub(crossRow).div((float) Math.max(n - 1, 1));
        return others.add(crossRow);
    }
}
