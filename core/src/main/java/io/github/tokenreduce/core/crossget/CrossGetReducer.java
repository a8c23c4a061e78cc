package io.github.tokenreduce.core.crossget;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.KeyMetric;
import io.github.tokenreduce.core.FixedCount;
import io.github.tokenreduce.core.RemovalCount;
import io.github.tokenreduce.core.MergePlan;
import io.github.tokenreduce.core.ModelValues;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.util.Checks;
import io.github.tokenreduce.core.util.Tensors;

import java.util.EnumSet;
import java.util.Set;

/**
 * CrossGET (Shi et al., ICML 2024; docs/operators.md): complete-graph soft matching guided by cross-modal importance,
 * then the cross-guided ensemble. Input [B, N, C] gives [B, N - r', C], original order kept
 * (CLS first, cross token last). Importance comes from {@link SiteInputs#importance()} when the
 * model supplies it, else {@link CrossGuidedImportance#cosine} of the metric and
 * {@link SiteInputs#guide()}. Sizes are summed; attachments (token ids) take the size-weighted
 * mean, so the end-of-text id stays the argmax.
 */
public final class CrossGetReducer implements TokenReducer {

    private final FixedCount counts;
    private final EnsembleMode mode;
    /** Learned per-layer cross-token offsets [L, C], or null. */
    private final NDArray crossOffsets;

    private CrossGetReducer(FixedCount counts, EnsembleMode mode, NDArray crossOffsets) {
        this.counts = counts;
        this.mode = mode;
        this.crossOffsets = crossOffsets;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Reduction reduce(TokenSet tokens, SiteInputs inputs, int layer) {
        FixedCount.Removals removals = counts.at(layer, tokens);
        if (removals.r() <= 0) {
            return Reduction.unchanged(tokens);
        }
        NDArray metric = Checks.present("metric", inputs.metric(), "[B, N, c]");
        NDArray unit = null; // the normalised keys, shared by the importance and the matching
        NDArray importance = inputs.importance();
        if (importance == null) {
            NDArray guide = Checks.present("guide", inputs.guide(), "[B, c]");
            Checks.rank("metric", metric, 3, "[B, N, c]");
            unit = Tensors.normalizeChecked("metric", metric);
            importance = CrossGuidedImportance.cosineOfUnit(unit, guide);
        }
        MergePlan plan = removals.perSample() != null
                ? CompleteGraphMatcher.matchPerSample(metric, unit, importance, tokens.protectedMask(),
                        tokens.keyMask(), removals.perSample(), counts.tieBreak())
                : CompleteGraphMatcher.match(metric, unit, importance, tokens.protectedMask(),
                        tokens.keyMask(), Math.min(removals.r(), tokens.length()), counts.tieBreak());
        MergePlan.Weights bySize = plan.weights(tokens.sizes());
        NDArray hidden = ensemble(bySize, tokens.hidden(), importance);
        return new Reduction(tokens.apply(bySize, hidden, null), plan);
    }

    /** The cross-guided ensemble of {@code x} [B, N, C] under {@code plan}. */
    NDArray ensemble(MergePlan plan, NDArray x, NDArray sizes, NDArray importance) {
        return ensemble(plan.weights(sizes), x, importance);
    }

    private NDArray ensemble(MergePlan.Weights bySize, NDArray x, NDArray importance) {
        MergePlan plan = bySize.plan();
        NDArray sizes = bySize.of();
        if (mode == EnsembleMode.NORMALIZED) {
            NDArray alpha = importance.sub(importance.max(new int[] {1}, true)).exp();
            return plan.weightedMean(x, alpha.mul(sizes));
        }
        if (!plan.hasSources()) {
            return bySize.mean(x);
        }
        // Pair weights per source i and its destination j: 2·softmax([I_i, I_j]), only where a
        // source meets its destination (the anchor of the output it joins).
        NDArray destIndex = plan.keep().gather(plan.targets().maximum(0L), 1);
        NDArray srcImportance = importance.gather(plan.sources(), 1);
        NDArray ws = srcImportance.sub(importance.gather(destIndex, 1)).neg().exp().add(1f).pow(-1f).mul(2f);
        NDArray wdMinusOne = ws.neg().add(1f); // w_d - 1 = (2 - w_s) - 1
        NDArray anchorSize = plan.gather(sizes);
        NDArray anchorCoef = plan.onRealSlots(anchorSize.mul(plan.sumSources(wdMinusOne).add(1f)));
        return plan.combineDivided(x, anchorCoef, ws.mul(sizes.gather(plan.sources(), 1)), bySize.total());
    }

    @Override
    public Set<SiteInput> requires() {
        return EnumSet.of(SiteInput.METRIC, SiteInput.GUIDE);
    }

    @Override
    public boolean proportionalAttention() {
        return counts.proportionalAttention();
    }

    @Override
    public boolean activeAt(int layer) {
        return counts.activeAt(layer);
    }

    @Override
    public String name() {
        return "crossget";
    }

    @Override
    public KeyMetric keyMetric() {
        return KeyMetric.FULL_WIDTH;
    }

    @Override
    public boolean usesCrossToken() {
        return true;
    }

    /** The learned per-layer cross-token offsets [L, C] this method was given or filled in, or null (zero). */
    @Override
    public NDArray crossTokenOffsets() {
        return crossOffsets;
    }

    /** This method with the model's cross-token offsets when it was given none. */
    @Override
    public CrossGetReducer withModelValues(ModelValues values) {
        return crossOffsets != null || values.crossTokenOffsets() == null ? this
                : new CrossGetReducer(counts, mode, values.crossTokenOffsets());
    }

    public EnsembleMode mode() {
        return mode;
    }

    @Override
    public RemovalCount removalCount() {
        return counts.removalCount();
    }

    @Override
    public CrossGetReducer withRemovalCount(RemovalCount count) {
        return new CrossGetReducer(counts.withRemovalCount(count), mode, crossOffsets);
    }

    @Override
    public String toString() {
        return "CrossGET(" + counts.schedule() + ", " + mode + ", propAttn=" + counts.proportionalAttention() + ", "
                + counts.removalCount() + ")";
    }

    /**
     * Builder: ensemble mode (default AUTHORS), learned cross-token offsets (default none: the model's,
     * if it has them) and the rest of {@link FixedCount.Builder} (schedule default off).
     */
    public static final class Builder extends FixedCount.Builder<Builder> {
        private EnsembleMode mode = EnsembleMode.AUTHORS;
        private NDArray crossOffsets;

        private Builder() {
            super("CrossGET");
        }

        @Override
        protected Builder self() {
            return this;
        }

        public Builder ensembleMode(EnsembleMode m) {
            mode = Checks.notNull("ensembleMode", m);
            return this;
        }

        /**
         * Learned per-layer offsets [L, C] added to the cross token before each block (a CrossGET
         * checkpoint's {@code cross_image} / {@code cross_text}); the site checks L and C.
         */
        public Builder crossTokenOffsets(NDArray offsets) {
            Checks.rank("crossTokenOffsets", offsets, 2, "[L, C]");
            crossOffsets = offsets;
            return this;
        }

        public CrossGetReducer build() {
            return new CrossGetReducer(fixedCount(), mode, crossOffsets);
        }
    }
}
