package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.TokenReducer;

import java.util.function.Supplier;

/**
 * A method attached to one site, with what the model supplies there: CrossGET's per-layer
 * cross-token offsets [L, C] (zero when absent), MADTP's alignment dictionary [M, C]
 * (a training-free default when absent, see the model's documentation) and the guide provider
 * (null: the model's default).
 */
public record TowerReduction(TokenReducer reducer, NDArray crossOffsets, NDArray dictionary,
        GuideProvider guide) {

    public TowerReduction {
        if (reducer == null) {
            throw new IllegalArgumentException("reducer: must not be null");
        }
    }

    /** A method with learned offsets and dictionary, default guide. */
    public TowerReduction(TokenReducer reducer, NDArray crossOffsets, NDArray dictionary) {
        this(reducer, crossOffsets, dictionary, null);
    }

    /** The method with no learned parameters. */
    public static TowerReduction of(TokenReducer reducer) {
        return new TowerReduction(reducer, null, null, null);
    }

    /** This reduction with another dictionary. */
    public TowerReduction withDictionary(NDArray d) {
        return new TowerReduction(reducer, crossOffsets, d, guide);
    }

    /**
     * This reduction checked against a site of {@code layers} layers of width {@code width}, with
     * the model's defaults filled in: the checkpoint's learned cross-token offsets
     * ({@code modelOffsets} [L, C], may be null) when the method uses a cross token and none were
     * given, and {@code defaultDictionary} when the method needs a dictionary and none was given.
     *
     * @param site the site's name for messages ("VISION_BLOCKS site", ...)
     */
    public TowerReduction resolve(String site, int layers, int width, NDArray modelOffsets,
            Supplier<NDArray> defaultDictionary) {
        NDArray offsets = crossOffsets;
        if (offsets == null && reducer.usesCrossToken()) {
            offsets = modelOffsets;
        }
        if (offsets != null && !offsets.getShape().equals(new Shape(layers, width))) {
            throw new IllegalArgumentException("crossOffsets: expected shape [layers, width] = (" + layers + ", "
                    + width + ") for the " + site + " but got " + offsets.getShape());
        }
        NDArray dict = dictionary;
        if (dict != null && (dict.getShape().dimension() != 2 || dict.getShape().get(1) != width)) {
            throw new IllegalArgumentException("dictionary: expected shape [M, " + width + "] for the " + site
                    + " but got " + dict.getShape());
        }
        if (dict == null && reducer.requires().contains(SiteInput.DICTIONARY)) {
            dict = defaultDictionary.get();
        }
        return new TowerReduction(reducer, offsets, dict, guide);
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
        return new TowerReduction(reducer, crossOffsets, dictionary, g);
    }
}
