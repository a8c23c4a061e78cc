package io.github.tokenreduce.core.madtp;

/** How MADTP turns per-sample keep counts {@code K_b} into the kept tokens (Cao et al., CVPR 2024). */
public enum KeepCount {
    /**
     * Each sample keeps its own {@code K_b} and the batch is padded to the largest count with a key
     * mask of 0. A sample's result does not depend on what else is in the batch. The default.
     */
    PER_SAMPLE,
    /**
     * The authors' code: {@code K = max_b K_b} and every sample keeps K tokens (a sample with
     * {@code K_b < K} also keeps its next-best ones); the batch is skipped whole when
     * {@code K < 1} or {@code N - K <= 1}. Reproduces their outputs, but a sample's pruning depends
     * on its batch.
     */
    BATCH_MAX
}
