package io.github.tokenreduce.core;

/** The inputs a method can ask a model for at a reduction site; see {@link SiteInputs}. */
public enum SiteInput {
    METRIC,
    BLOCK_INPUT,
    GUIDE,
    ATTENTION,
    /** {@link AttentionSummary} for query row {@link TokenReducer#attentionSummaryRow()}. */
    ATTENTION_SUMMARY,
    HEAD_OUTPUT_NORMS,
    CROSS_ATTENTION
}
