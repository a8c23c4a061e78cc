package io.github.tokenreduce.djl.family;

import ai.djl.ndarray.NDArray;

/**
 * A model's image path on preprocessed pixels [B, 3, S, S] with its VISION site as attached
 * ({@link EntryPoint#IMAGE_FORWARD}): what {@code tokenreduce bench} and {@code calibrate} time and
 * compare for any family that offers it.
 */
public interface ImageForward {

    /**
     * The geometry of the image path.
     *
     * @param imageSize the side S of the pixels it takes
     * @param tokens the tokens entering the first VISION block (no method's extra tokens)
     * @param layers the VISION blocks
     * @param width their width
     * @param mlp their feed-forward width
     */
    record Geometry(int imageSize, int tokens, int layers, int width, int mlp) {}

    /** This path's geometry. */
    Geometry geometry();

    /** Runs one forward, freeing its outputs; returns the tokens each VISION block left. */
    int[] run(NDArray pixels);

    /** One forward's outputs [B, E] as the family compares them (CLIP: unit-length embeddings; ViT: features). */
    NDArray outputs(NDArray pixels);
}
