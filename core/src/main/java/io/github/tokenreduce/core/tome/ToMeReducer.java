package io.github.tokenreduce.core.tome;

import ai.djl.ndarray.NDArray;
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

import java.util.EnumSet;
import java.util.Set;

/**
 * ToMe (Bolya et al., ICLR 2023; docs/operators.md): bipartite soft matching on the head-averaged keys, then a
 * size-weighted merge {@code x = Σ s·x / Σ s}, sizes summed, source map carried; proportional
 * attention on by default. Input [B, N, C] gives [B, N - r', C] with r' the clamped r.
 *
 * <pre>{@code
 * TokenReducer tome = ToMeReducer.builder().schedule(Schedule.constant(16)).build();
 * Reduction step = tome.reduce(tokens, SiteInputs.ofMetric(keys), layer);
 * }</pre>
 */
public final class ToMeReducer implements TokenReducer {

    private final Schedule schedule;
    private final boolean proportional;
    private final TieBreak tie;
    private final RemovalCount removalCount;

    private ToMeReducer(Builder b) {
        this.schedule = b.schedule;
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
        MergePlan plan = perSample != null
                ? BipartiteMatcher.matchPerSample(metric, tokens.protectedMask(), tokens.keyMask(), perSample, tie)
                : BipartiteMatcher.match(metric, tokens.protectedMask(), tokens.keyMask(),
                        Math.min(r, tokens.length()), tie);
        return new Reduction(tokens.merge(plan, null), plan);
    }

    @Override
    public Set<SiteInput> requires() {
        return EnumSet.of(SiteInput.METRIC);
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
        return "tome";
    }

    public Schedule schedule() {
        return schedule;
    }

    @Override
    public String toString() {
        return "ToMe(" + schedule + ", propAttn=" + proportional + ", " + removalCount + ")";
    }

    /** Builder: schedule (default constant 0: off, as ToMe after patching), proportional attention (default on). */
    public static final class Builder {
        private Schedule schedule = Schedule.none();
        private boolean proportional = true;
        private TieBreak tie = TieBreak.INDEX;
        private RemovalCount removalCount;

        public Builder schedule(Schedule s) {
            if (s == null || s.isDynamic()) {
                throw new IllegalArgumentException("schedule: ToMe needs a fixed-count schedule, got " + s);
            }
            schedule = s;
            return this;
        }

        public Builder r(int r) {
            return schedule(Schedule.constant(r));
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

        public ToMeReducer build() {
            return new ToMeReducer(this);
        }
    }
}
