package io.github.tokenreduce.core;

/**
 * The result of one reduction step: the new token set and the plan that produced it, so a model
 * can carry anything else (position ids, cached values) through the same plan.
 */
public record Reduction(TokenSet tokens, MergePlan plan) {

    /** The step that changes nothing. */
    public static Reduction unchanged(TokenSet tokens) {
        return new Reduction(tokens,
                MergePlan.identity(tokens.hidden(), tokens.batch(), tokens.length()));
    }
}
