package io.github.tokenreduce.core.tome;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.FixedCount;
import io.github.tokenreduce.core.RemovalCount;
import io.github.tokenreduce.core.MergePlan;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.SiteInputs;
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

    private final FixedCount counts;

    private ToMeReducer(FixedCount counts) {
        this.counts = counts;
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
        MergePlan plan = removals.perSample() != null
                ? BipartiteMatcher.matchPerSample(metric, tokens.protectedMask(), tokens.keyMask(),
                        removals.perSample(), counts.tieBreak())
                : BipartiteMatcher.match(metric, tokens.protectedMask(), tokens.keyMask(),
                        Math.min(removals.r(), tokens.length()), counts.tieBreak());
        return new Reduction(tokens.merge(plan, null), plan);
    }

    @Override
    public Set<SiteInput> requires() {
        return EnumSet.of(SiteInput.METRIC);
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
        return "tome";
    }

    public Schedule schedule() {
        return counts.schedule();
    }

    @Override
    public RemovalCount removalCount() {
        return counts.removalCount();
    }

    @Override
    public ToMeReducer withRemovalCount(RemovalCount count) {
        return new ToMeReducer(counts.withRemovalCount(count));
    }

    @Override
    public String toString() {
        return "ToMe(" + counts + ")";
    }

    /** Builder: schedule (default off, as ToMe after patching) and the rest of {@link FixedCount.Builder}. */
    public static final class Builder extends FixedCount.Builder<Builder> {
        private Builder() {
            super("ToMe");
        }

        @Override
        protected Builder self() {
            return this;
        }

        public ToMeReducer build() {
            return new ToMeReducer(fixedCount());
        }
    }
}
