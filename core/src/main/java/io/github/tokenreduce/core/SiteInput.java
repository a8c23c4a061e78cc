package io.github.tokenreduce.core;

/** The inputs a method can ask a model for at a reduction site; see {@link SiteInputs}. */
public enum SiteInput {
    METRIC,
    BLOCK_INPUT,
    GUIDE,
    ATTENTION,
    HEAD_OUTPUT_NORMS,
    DICTIONARY,
    CROSS_ATTENTION
}
