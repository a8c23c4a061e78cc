package io.github.tokenreduce.core;

/** Which keys a method matches on (docs/operators.md). */
public enum KeyMetric {
    /** Keys averaged over heads, [B, N, C/H] (ToMe). */
    HEAD_MEAN,
    /** The pre-split keys, [B, N, C] (CrossGET on CLIP). */
    FULL_WIDTH
}
