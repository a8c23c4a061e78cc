package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.ModelValues;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.TokenReducer;

import java.util.function.Supplier;

/**
 * A method attached to one site, with the guide provider the site uses (null: the model's default).
 * What the method learned (CrossGET's cross-token offsets, MADTP's dictionary and temperature) is the
 * method's own value; {@link #resolve} fills in what the model holds for it where it has none.
 */
public record TowerReduction(TokenReducer reducer, GuideProvider guide) {

    public TowerReduction {
        if (reducer == null) {
            throw new IllegalArgumentException("reducer: must not be null");
        }
    }

    /** The method with the model's default guide. */
    public static TowerReduction of(TokenReducer reducer) {
        return new TowerReduction(reducer, null);
    }

    /**
     * This reduction attached to a site of {@code layers} layers of width {@code width}: the method with
     * what the model holds filled in where it has none of its own ({@link TokenReducer#withModelValues}:
     * the checkpoint's cross-token offsets {@code modelOffsets} [L, C], may be null, and
     * {@code defaultDictionary}, asked only by a method that needs a dictionary), then its cross-token
     * offsets and dictionary checked against the site.
     *
     * @param site the site's name for messages ("VISION_BLOCKS site", ...)
     */
    public TowerReduction resolve(String site, int layers, int width, NDArray modelOffsets,
            Supplier<NDArray> defaultDictionary) {
        TokenReducer r = reducer.withModelValues(new ModelValues(modelOffsets, defaultDictionary));
        NDArray offsets = r.crossTokenOffsets();
        if (offsets != null && !offsets.getShape().equals(new Shape(layers, width))) {
            throw new IllegalArgumentException("crossOffsets: expected shape [layers, width] = (" + layers + ", "
                    + width + ") for the " + site + " but got " + offsets.getShape());
        }
        NDArray dict = r.dictionary();
        if (dict != null && (dict.getShape().dimension() != 2 || dict.getShape().get(1) != width)) {
            throw new IllegalArgumentException("dictionary: expected shape [M, " + width + "] for the " + site
                    + " but got " + dict.getShape());
        }
        return new TowerReduction(r, guide);
    }

    /** Rejects a method that needs text-to-image attention, which {@code model} does not have. */
    public TowerReduction requireNoCrossAttention(String model, String instead) {
        if (reducer.requires().contains(SiteInput.CROSS_ATTENTION)) {
            throw new IllegalArgumentException("reduction: " + reducer.name() + " needs text-to-image attention, "
                    + "which " + model + " does not have; " + instead);
        }
        return this;
    }

    /** This reduction with another guide provider. */
    public TowerReduction withGuide(GuideProvider g) {
        return new TowerReduction(reducer, g);
    }
}
