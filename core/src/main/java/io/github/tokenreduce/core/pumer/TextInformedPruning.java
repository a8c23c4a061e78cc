package io.github.tokenreduce.core.pumer;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.util.Checks;

/**
 * PuMer's text-informed image-token score (Cao et al., ACL 2023; ALGORITHMS.md §3.2 step 1):
 * {@code score_j = (1 / t_len) Σ_{i ∈ text} v_i · mean_h A[h, i, j]}, with A the text-to-image
 * attention, {@code t_len = Σ mask} the true (possibly fractional) text length, and the vote
 * {@code v_i = mask_i} ({@link TextVotes#REAL_TEXT}: padding never votes) or {@code v_i = 1}
 * ({@link TextVotes#ALL_ROWS}, the authors' code).
 */
public final class TextInformedPruning {

    private TextInformedPruning() {}

    /**
     * @param textToImage [B, H, Lt, Li] attention probabilities, or head-averaged [B, Lt, Li]
     * @param textMask [B, Lt]
     * @param votes which text rows vote
     * @return scores [B, Li]
     */
    public static NDArray scores(NDArray textToImage, NDArray textMask, TextVotes votes) {
        NDArray mean = textToImage.getShape().dimension() == 4
                ? textToImage.mean(new int[] {1}) : textToImage;
        Checks.rank("crossAttention", mean, 3, "[B, H, Lt, Li] or [B, Lt, Li]");
        long b = textMask.getShape().get(0);
        long lt = textMask.getShape().get(1);
        Checks.shape("crossAttention", mean, new long[] {b, lt, -1},
                "[B, (H,) Lt, Li] with [B, Lt] of the text mask = (" + b + ", " + lt + ")");
        Checks.finite("crossAttention", mean);
        NDArray len = textMask.sum(new int[] {1}, true).maximum(1e-6f);
        NDArray vote = votes == TextVotes.ALL_ROWS ? textMask.onesLike() : textMask;
        return vote.expandDims(1).matMul(mean).squeeze(1).div(len);
    }
}
