package io.github.tokenreduce.core;

import io.github.tokenreduce.core.util.MatchMasks;

/**
 * How a fixed-count method (ToMe, CrossGET) turns its {@link Schedule} into removals for a padded
 * batch (ragged texts, key mask 0 on padding).
 */
public enum RemovalCount {
    /**
     * Each sample's count comes from its own real tokens ({@code schedule.removals(layer, n_b)}),
     * padding is never merged and is dropped, and the output is padded to the largest count with a
     * key mask of 0. A sample's result does not depend on what else is in its batch. The default
     * for schedules whose count depends on the sequence length ({@link Schedule#keepRatio}: the
     * text schedule).
     */
    PER_SAMPLE,
    /**
     * One count for the batch from its padded length, clamped to what every sample can take;
     * padding merges with padding first (the authors' code). A short text's reduction then depends
     * on its batch-mates. The default for a fixed r per layer (what the authors' code and the
     * fixtures do).
     */
    PADDED_BATCH;

    /** The default for {@code schedule}: per sample when its count depends on the sequence length. */
    public static RemovalCount defaultFor(Schedule schedule) {
        return schedule.countsTokens() ? PER_SAMPLE : PADDED_BATCH;
    }

    /**
     * Per-sample removals at {@code layer}: {@code schedule.removals(layer, n_b)} with {@code n_b}
     * the real (key mask &gt; 0) tokens of sample b.
     */
    public static int[] perSample(Schedule schedule, int layer, TokenSet tokens) {
        int[] real = realTokens(tokens);
        int[] r = new int[real.length];
        for (int s = 0; s < r.length; s++) {
            r[s] = Math.max(schedule.removals(layer, real[s]), 0);
        }
        return r;
    }

    /** Real (key mask &gt; 0) tokens per sample, on the host. */
    public static int[] realTokens(TokenSet tokens) {
        return MatchMasks.countPositive(tokens.keyMask());
    }
}
