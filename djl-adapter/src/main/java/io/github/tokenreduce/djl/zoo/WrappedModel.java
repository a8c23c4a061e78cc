package io.github.tokenreduce.djl.zoo;

import io.github.tokenreduce.djl.family.ModelFamily;

/**
 * Our block-by-block model built on parameters someone else loaded, with the family it was
 * recognised as. Attach a method with the model's own {@code withReduction}.
 *
 * @param family the family recognised from the parameter names (its {@code name()} is {@code clip}, {@code blip}, ...)
 * @param model a {@code ClipModel}, {@code BlipModel}, {@code ViltModel} or {@code VitModel}
 */
public record WrappedModel(ModelFamily family, AutoCloseable model) {

    /**
     * The model as {@code type} ({@code ClipModel.class}, ...).
     *
     * @throws IllegalArgumentException when the model is of another family
     */
    public <T> T as(Class<T> type) {
        if (!type.isInstance(model)) {
            throw new IllegalArgumentException("model: the parameters were recognised as " + family.name() + " ("
                    + model.getClass().getSimpleName() + "), not a " + type.getSimpleName());
        }
        return type.cast(model);
    }
}
