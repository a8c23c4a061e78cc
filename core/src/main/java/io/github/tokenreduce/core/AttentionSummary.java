package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;

/**
 * What MADTP reads of self-attention probabilities [B, H, N, N], without holding all of them: their
 * maximum over heads [B, N, N] (for {@code a_self}) and one query row per head [B, H, N] (the class
 * token's, for {@code a_cls}). A model computes it slice by slice as attention runs, so a
 * 16 × 464-token BERT batch keeps 14 MB per layer instead of 165 MB.
 *
 * @param maxOverHeads [B, N, N] the maximum over heads of the probabilities
 * @param queryRow [B, H, N] the probabilities of query {@code row}
 * @param row the query row kept in {@code queryRow}
 */
public record AttentionSummary(NDArray maxOverHeads, NDArray queryRow, int row) {

    public AttentionSummary {
        if (maxOverHeads == null || queryRow == null) {
            throw new IllegalArgumentException("attention summary: maxOverHeads and queryRow are required");
        }
        if (row < 0) {
            throw new IllegalArgumentException("attention summary: row must be >= 0 but was " + row);
        }
    }

    /** The summary of probabilities [B, H, N, N] keeping query {@code row}. */
    public static AttentionSummary of(NDArray probs, int row) {
        if (probs.getShape().dimension() != 4 || row >= probs.getShape().get(2)) {
            throw new IllegalArgumentException("attention: expected [B, H, N, N] with N > " + row + " but got "
                    + probs.getShape());
        }
        return new AttentionSummary(maxOverHeads(probs), probs.get(":, :, " + row + ", :"), row);
    }

    /**
     * The maximum over axis 1 of [B, H, N, N] as H - 1 element-wise maxima of the heads: PyTorch's
     * {@code max(dim)}, which DJL's {@code max(axes)} calls, also computes indices and runs about four
     * times slower on [8, 12, 197, 197].
     */
    private static NDArray maxOverHeads(NDArray probs) {
        long heads = probs.getShape().get(1);
        NDArray m = probs.get(":, 0");
        for (long h = 1; h < heads; h++) {
            m = m.maximum(probs.get(":, " + h));
        }
        return m;
    }
}
