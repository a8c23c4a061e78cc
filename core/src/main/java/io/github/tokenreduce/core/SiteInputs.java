package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;

/**
 * What a model exposes at a reduction site, read-only (the seam between model and method; docs/models.md, "Sites"). Each method reads
 * only what it declares in {@link TokenReducer#requires()}; a model can skip computing the rest.
 *
 * <ul>
 *   <li>{@code metric} [B, N, c]: the block's keys, averaged over heads (ToMe) or the raw
 *       pre-split keys (CrossGET on CLIP);
 *   <li>{@code blockInput} [B, N, C]: the hidden states entering the block, before attention (MADTP
 *       scores tokens against its dictionary there);
 *   <li>{@code guide} [B, c]: the guide query (cross token, end-of-text, or the other modality's
 *       cross token) for CrossGET's cosine importance;
 *   <li>{@code importance} [B, N]: a precomputed importance, overriding {@code guide};
 *   <li>{@code attention} [B, H, N, N]: self-attention probabilities (MADTP);
 *   <li>{@code attentionSummary}: what MADTP reads of them ({@link AttentionSummary}), which a model
 *       computes without holding all probabilities; used in place of {@code attention};
 *   <li>{@code headOutputNorms} [B, H, N]: per-head attention-output norms for MADTP's head
 *       weights; absent means equal head weights;
 *   <li>{@code crossAttention} [B, H, Lt, Li]: text-to-image attention (PuMer).
 * </ul>
 */
public record SiteInputs(NDArray metric, NDArray blockInput, NDArray guide, NDArray importance, NDArray attention,
        AttentionSummary attentionSummary, NDArray headOutputNorms, NDArray crossAttention) {

    /** Inputs with only a metric. */
    public static SiteInputs ofMetric(NDArray metric) {
        return builder().metric(metric).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link SiteInputs}; unset fields are {@code null}. */
    public static final class Builder {
        private NDArray metric;
        private NDArray blockInput;
        private NDArray guide;
        private NDArray importance;
        private NDArray attention;
        private AttentionSummary attentionSummary;
        private NDArray headOutputNorms;
        private NDArray crossAttention;

        public Builder metric(NDArray v) {
            metric = v;
            return this;
        }

        public Builder blockInput(NDArray v) {
            blockInput = v;
            return this;
        }

        public Builder guide(NDArray v) {
            guide = v;
            return this;
        }

        public Builder importance(NDArray v) {
            importance = v;
            return this;
        }

        public Builder attention(NDArray v) {
            attention = v;
            return this;
        }

        public Builder attentionSummary(AttentionSummary v) {
            attentionSummary = v;
            return this;
        }

        public Builder headOutputNorms(NDArray v) {
            headOutputNorms = v;
            return this;
        }

        public Builder crossAttention(NDArray v) {
            crossAttention = v;
            return this;
        }

        public SiteInputs build() {
            return new SiteInputs(metric, blockInput, guide, importance, attention, attentionSummary, headOutputNorms,
                    crossAttention);
        }
    }
}
