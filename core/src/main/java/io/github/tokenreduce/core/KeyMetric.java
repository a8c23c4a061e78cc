package io.github.tokenreduce.core;

/** Which keys a method matches on (ALGORITHMS.md conventions). */
public enum KeyMetric {
    /** Keys averaged over heads, [B, N, C/H] (ToMe §0.2). */
    HEAD_MEAN,
    /** The pre-split keys, [B, N, C] (CrossGET-CLIP §1.3). */
    FULL_WIDTH
}
