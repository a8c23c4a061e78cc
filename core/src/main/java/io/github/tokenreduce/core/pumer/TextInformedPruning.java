package io.github.tokenreduce.core.pumer;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.util.Checks;

/**
 * PuMer's text-informed image-token score (Cao et al., ACL 2023):
 * {@code score_j = (1 / t_len) Σ_{i ∈ text} v_i · mean_h A[h, i, j]}, with A the text-to-image
 * attention, {@code t_len = Σ mask} the true (possibly fractional) text length, and the vote
 * {@code v_i = mask_i} ({@link TextVotes#REAL_TEXT}: padding never votes) or {@code v_i = 1}
 * ({@link TextVotes#ALL_ROWS}, the authors' code). Under {@link PruneScore#FIRST_HEAD} the head
 * mean is replaced by head 0, {@code A[0, i, j]} (the authors' {@code sim_method="fh"}).
 */
public final class TextInformedPruning {

    private TextInformedPruning() {}

    /**
     * The mean-head score ({@link PruneScore#MEAN_HEAD}).
     *
     * @param textToImage [B, H, Lt, Li] attention probabilities, or head-averaged [B, Lt, Li]
     * @param textMask [B, Lt]
     * @param votes which text rows vote
     * @return scores [B, Li]
     */
    public static NDArray scores(NDArray textToImage, NDArray textMask, TextVotes votes) {
        return scores(textToImage, textMask, votes, PruneScore.MEAN_HEAD);
    }

    /**
     * @param textToImage [B, H, Lt, Li] attention probabilities; head-averaged [B, Lt, Li] is
     *     accepted for {@link PruneScore#MEAN_HEAD} only
     * @param textMask [B, Lt]
     * @param votes which text rows vote
     * @param heads how the heads are reduced
     * @return scores [B, Li]
     */
    public static NDArray scores(NDArray textToImage, NDArray textMask, TextVotes votes, PruneScore heads) {
        Checks.notNull("heads", heads);
        boolean perHead = textToImage.getShape().dimension() == 4;
        if (heads == PruneScore.FIRST_HEAD && !perHead) {
            throw new IllegalArgumentException("crossAttention: the first-head score needs the per-head"
                    + " attention [B, H, Lt, Li], got shape " + textToImage.getShape());
        }
        NDArray rows = !perHead ? textToImage
                : heads == PruneScore.FIRST_HEAD ? textToImage.get(":, 0") : textToImage.mean(new int[] {1});
        Checks.rank("crossAttention", rows, 3, "[B, H, Lt, Li] or [B, Lt, Li]");
        long b = textMask.getShape().get(0);
        long lt = textMask.getShape().get(1);
        Checks.shape("crossAttention", rows, new long[] {b, lt, -1},
                "[B, (H,) Lt, Li] with [B, Lt] of the text mask = (" + b + ", " + lt + ")");
        Checks.finite("crossAttention", rows);
        NDArray len = textMask.sum(new int[] {1}, true).maximum(1e-6f);
        NDArray vote = votes == TextVotes.ALL_ROWS ? textMask.onesLike() : textMask;
        return vote.expandDims(1).matMul(rows).squeeze(1).div(len);
    }
}
