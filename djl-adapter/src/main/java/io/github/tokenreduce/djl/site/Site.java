package io.github.tokenreduce.djl.site;

/**
 * A place in a model where a method can be attached ({@code withReduction(site, reduction)}). Each
 * model names the sites it offers in its Javadoc and rejects the others with a message naming them.
 */
public enum Site {
    /**
     * Every block of the image encoder (ViT, CLIP's and BLIP's vision transformers), after the attention
     * residual and before the MLP; the method sees the image tokens.
     */
    VISION_BLOCKS,
    /**
     * Every block of the text encoder, after the attention residual and before the MLP: CLIP's text
     * transformer and the sentence encoders; in BLIP each BERT layer after self-attention and before
     * cross-attention. The method sees the text tokens.
     */
    TEXT_BLOCKS,
    /**
     * Where image and text tokens meet in one layer: in BLIP's fusion encoder after each layer's
     * text-to-image cross-attention, for a method that reduces image and text tokens from that attention
     * (a {@code CrossModalReducer} such as PuMer); in ViLT every block of its single image-and-text stream.
     */
    FUSION
}
