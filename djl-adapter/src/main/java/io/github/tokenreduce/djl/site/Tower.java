package io.github.tokenreduce.djl.site;

/** Where a method can be attached. */
public enum Tower {
    /** Every vision transformer block, after the attention residual and before the MLP. */
    VISION,
    /** Every text block: CLIP after the attention residual; BLIP after self-attention, before cross-attention. */
    TEXT,
    /** BLIP's cross-attention: image and text tokens after text-to-image attention (PuMer). */
    CROSS
}
