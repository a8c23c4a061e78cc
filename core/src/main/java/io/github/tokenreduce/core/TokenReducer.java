package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;

import java.util.Set;

/**
 * A token-reduction method: configured once, applied at any number of sites, by any number of
 * threads. Implementations hold no per-call state.
 *
 * <p>{@code reduce} takes the token set at a site (after the attention residual, before the MLP),
 * what the model exposes there, and the layer index (for the schedule), and returns the reduced
 * set with the plan it applied.
 */
public interface TokenReducer {

    /** Reduces {@code tokens} at layer {@code layer}. */
    Reduction reduce(TokenSet tokens, SiteInputs inputs, int layer);

    /** What the model must supply in {@link SiteInputs}. */
    Set<SiteInput> requires();

    /** Whether later attention layers should add {@code log(size)} to key logits. */
    boolean proportionalAttention();

    /** Whether this method is active at {@code layer}, so a model can skip preparing inputs. */
    boolean activeAt(int layer);

    /** A short name for logs and reports ("tome", "crossget", ...). */
    String name();

    /** Which keys {@link SiteInputs#metric()} should hold. */
    default KeyMetric keyMetric() {
        return KeyMetric.HEAD_MEAN;
    }

    /**
     * Whether the model should append a cross token to each tower (CrossGET), protect it, and
     * take the guide query from it (vision) or from the end-of-text token (text).
     */
    default boolean usesCrossToken() {
        return false;
    }

    /**
     * Learned per-layer offsets [L, C] the model adds to this method's cross token before each block
     * (CrossGET), or null for none.
     */
    default NDArray crossTokenOffsets() {
        return null;
    }

    /** The alignment dictionary [M, C] the method scores tokens against (MADTP), or null. */
    default NDArray dictionary() {
        return null;
    }

    /**
     * This method with the model's values filled in where it holds none of its own (its own values
     * win): cross-token offsets when it uses a cross token, a dictionary when it needs one. A method
     * with no learned values returns itself.
     */
    default TokenReducer withModelValues(ModelValues values) {
        return this;
    }

    /**
     * How this method counts removals in a padded batch ({@link RemovalCount}), or null where it has
     * no fixed count (it decides per sample by score, or merges by rule).
     */
    default RemovalCount removalCount() {
        return null;
    }

    /**
     * This method counting removals by {@code count}; a method without a fixed count
     * ({@link #removalCount()} null) refuses.
     *
     * @throws UnsupportedOperationException for a method without a fixed count
     */
    default TokenReducer withRemovalCount(RemovalCount count) {
        throw new UnsupportedOperationException("removalCount: " + name() + " has no fixed removal count to set "
                + "(only ToMe and CrossGET count removals per layer), asked for " + count);
    }

    /** The query row an {@link SiteInput#ATTENTION_SUMMARY} must keep (the class token's, 0, by default). */
    default int attentionSummaryRow() {
        return 0;
    }
}
