package io.github.tokenreduce.core.crossget;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.KeyMetric;
import io.github.tokenreduce.core.MergePlan;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.RemovalCount;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TieBreak;
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

    private final Schedule schedule;
    private final EnsembleMode mode;
    private final boolean proportional;
    private final TieBreak tie;
    private final RemovalCount removalCount;

    private CrossGetReducer(Builder b) {
        this.schedule = b.schedule;
        this.mode = b.mode;
        this.proportional = b.proportional;
        this.tie = b.tie;
        this.removalCount = b.removalCount != null ? b.removalCount : RemovalCount.defaultFor(b.schedule);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Reduction reduce(TokenSet tokens, SiteInputs inputs, int layer) {
        int r = schedule.removals(layer, tokens.length());
        int[] perSample = null;
        if (removalCount == RemovalCount.PER_SAMPLE && schedule.activeAt(layer)) {
            perSample = RemovalCount.perSample(schedule, layer, tokens);
            r = java.util.Arrays.stream(perSample).max().orElse(0);
        }
        if (r <= 0) {
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
        MergePlan plan = perSample != null
                ? CompleteGraphMatcher.matchPerSample(metric, unit, importance, tokens.protectedMask(),
                        tokens.keyMask(), perSample, tie)
                : CompleteGraphMatcher.match(metric, unit, importance, tokens.protectedMask(),
                        tokens.keyMask(), Math.min(r, tokens.length()), tie);
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
        NDArray merged = plan.combineGathered(x, anchorCoef, ws.mul(sizes.gather(plan.sources(), 1)));
        return merged.div(bySize.total().maximum(1e-12f).expandDims(2));
    }

    @Override
    public Set<SiteInput> requires() {
        return EnumSet.of(SiteInput.METRIC, SiteInput.GUIDE);
    }

    @Override
    public boolean proportionalAttention() {
        return proportional;
    }

    @Override
    public boolean activeAt(int layer) {
        return schedule.activeAt(layer);
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

    public EnsembleMode mode() {
        return mode;
    }

    @Override
    public String toString() {
        return "CrossGET(" + schedule + ", " + mode + ", propAttn=" + proportional + ", " + removalCount + ")";
    }

    /** Builder: schedule (default off), ensemble mode (default AUTHORS), proportional attention (on). */
    public static final class Builder {
        private Schedule schedule = Schedule.none();
        private EnsembleMode mode = EnsembleMode.AUTHORS;
        private boolean proportional = true;
        private TieBreak tie = TieBreak.INDEX;
        private RemovalCount removalCount;

        public Builder schedule(Schedule s) {
            if (s == null || s.isDynamic()) {
                throw new IllegalArgumentException("schedule: CrossGET needs a fixed-count schedule, got " + s);
            }
            schedule = s;
            return this;
        }

        public Builder r(int r) {
            return schedule(Schedule.constant(r));
        }

        public Builder ensembleMode(EnsembleMode m) {
            mode = Checks.notNull("ensembleMode", m);
            return this;
        }

        /**
         * Per-sample removal counts from each sample's real tokens (a sample's result does not depend
         * on its batch) or one count from the padded batch, as the authors' code. Default:
         * {@link RemovalCount#defaultFor} the schedule (per sample for a keep ratio).
         */
        public Builder removalCount(RemovalCount c) {
            removalCount = Checks.notNull("removalCount", c);
            return this;
        }

        /** How equal scores are ordered (default {@link TieBreak#INDEX}). */
        public Builder tieBreak(TieBreak t) {
            tie = Checks.notNull("tieBreak", t);
            return this;
        }

        public Builder proportionalAttention(boolean on) {
            proportional = on;
            return this;
        }

        public CrossGetReducer build() {
            return new CrossGetReducer(this);
        }
    }
}
