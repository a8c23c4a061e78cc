package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;

import java.util.function.Supplier;

/**
 * What a model holds for the methods attached to it, to fill in the learned values a method was not
 * given ({@link TokenReducer#withModelValues}): per-layer cross-token offsets [L, C] (CrossGET's
 * checkpoints hold them) and an alignment dictionary [M, C] for MADTP (the checkpoint's, or the model's
 * training-free default, made only when a method asks for it). Either may be null: the model has none.
 */
public record ModelValues(NDArray crossTokenOffsets, Supplier<NDArray> dictionary) {

    /** A model with nothing to give. */
    public static final ModelValues NONE = new ModelValues(null, null);
}
