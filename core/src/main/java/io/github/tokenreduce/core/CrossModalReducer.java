package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;

/**
 * A method that acts where text cross-attends to image tokens (a fusion encoder's cross-attention,
 * PuMer on METER): it reduces the image tokens from the text-to-image attention and the text
 * tokens on their own keys, as two separate token sets.
 */
public interface CrossModalReducer extends TokenReducer {

    /**
     * Reduces image tokens [B, Li, C] given text-to-image attention [B, H, Lt, Li], the text key
     * mask [B, Lt] and head-averaged image keys [B, Li, c].
     */
    Reduction reduceImage(TokenSet image, NDArray textToImage, NDArray textMask, NDArray imageKeys);

    /** Reduces text tokens [B, Lt, C] given head-averaged text keys [B, Lt, c]. */
    Reduction reduceText(TokenSet text, NDArray textKeys);
}
