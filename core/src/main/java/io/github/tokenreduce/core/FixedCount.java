package io.github.tokenreduce.core;

import io.github.tokenreduce.core.util.Checks;

import java.util.Arrays;

/**
 * The configuration every fixed-count matcher (ToMe, CrossGET) shares, and the one place that turns
 * it into removals at a layer: a fixed-count {@link Schedule}, the {@link RemovalCount} policy for
 * padded batches, the {@link TieBreak} and whether later attention is proportional. Immutable and
 * thread-safe; built through a method's builder, which extends {@link Builder}.
 */
public final class FixedCount {

    private final Schedule schedule;
    private final RemovalCount removalCount;
    private final TieBreak tie;
    private final boolean proportional;

    private FixedCount(Builder<?> b) {
        this(b.schedule, b.removalCount != null ? b.removalCount : RemovalCount.defaultFor(b.schedule), b.tie,
                b.proportional);
    }

    private FixedCount(Schedule schedule, RemovalCount removalCount, TieBreak tie, boolean proportional) {
        this.schedule = schedule;
        this.removalCount = removalCount;
        this.tie = tie;
        this.proportional = proportional;
    }

    /** This configuration counting removals by {@code count}. */
    public FixedCount withRemovalCount(RemovalCount count) {
        return new FixedCount(schedule, Checks.notNull("removalCount", count), tie, proportional);
    }

    /**
     * Removals at one layer.
     *
     * @param r tokens to remove from the batch (the largest per-sample count when there are such)
     * @param perSample each sample's count ({@link RemovalCount#PER_SAMPLE}), or null for one count
     */
    public record Removals(int r, int[] perSample) {}

    /** What to remove from {@code tokens} at {@code layer}; {@code r <= 0} means nothing. */
    public Removals at(int layer, TokenSet tokens) {
        if (removalCount == RemovalCount.PER_SAMPLE && schedule.activeAt(layer)) {
            int[] perSample = RemovalCount.perSample(schedule, layer, tokens);
            return new Removals(Arrays.stream(perSample).max().orElse(0), perSample);
        }
        return new Removals(schedule.removals(layer, tokens.length()), null);
    }

    public Schedule schedule() {
        return schedule;
    }

    public RemovalCount removalCount() {
        return removalCount;
    }

    public TieBreak tieBreak() {
        return tie;
    }

    public boolean proportionalAttention() {
        return proportional;
    }

    public boolean activeAt(int layer) {
        return schedule.activeAt(layer);
    }

    @Override
    public String toString() {
        return schedule + ", propAttn=" + proportional + ", " + removalCount;
    }

    /**
     * The builder a fixed-count method's builder extends: schedule (default {@link Schedule#none()}:
     * off), removal count (default {@link RemovalCount#defaultFor} the schedule), tie-break (default
     * {@link TieBreak#INDEX}), proportional attention (default on).
     *
     * @param <B> the method's builder
     */
    public abstract static class Builder<B extends Builder<B>> {
        private final String method;
        private Schedule schedule = Schedule.none();
        private RemovalCount removalCount;
        private TieBreak tie = TieBreak.INDEX;
        private boolean proportional = true;

        /** @param method the method's name in messages ("ToMe") */
        protected Builder(String method) {
            this.method = method;
        }

        /** This builder, typed as the method's. */
        protected abstract B self();

        /** The configuration so far. */
        protected FixedCount fixedCount() {
            return new FixedCount(this);
        }

        /** A fixed-count schedule (not {@link Schedule#dynamic()}). */
        public B schedule(Schedule s) {
            if (s == null || s.isDynamic()) {
                throw new IllegalArgumentException("schedule: " + method + " needs a fixed-count schedule, got " + s);
            }
            schedule = s;
            return self();
        }

        /** {@code r} tokens removed at every layer. */
        public B r(int r) {
            return schedule(Schedule.constant(r));
        }

        /**
         * Per-sample removal counts from each sample's real tokens (a sample's result does not depend
         * on its batch) or one count from the padded batch, as the authors' code. Default:
         * {@link RemovalCount#defaultFor} the schedule (per sample for a keep ratio).
         */
        public B removalCount(RemovalCount c) {
            removalCount = Checks.notNull("removalCount", c);
            return self();
        }

        /** How equal scores are ordered (default {@link TieBreak#INDEX}). */
        public B tieBreak(TieBreak t) {
            tie = Checks.notNull("tieBreak", t);
            return self();
        }

        /** Whether later attention adds {@code log(size)} to its logits (default on). */
        public B proportionalAttention(boolean on) {
            proportional = on;
            return self();
        }
    }
}
