package io.github.tokenreduce.djl.clip;

import io.github.tokenreduce.djl.nn.Activation;

/**
 * CLIP geometry: ViT-B/32 (768 wide, patch 32, 224 px), B/16, L/14 (1024, patch 14), L/14-336 and
 * any other shape, read from {@code config.json} or inferred from the tensors.
 *
 * @param visionWidth vision transformer width
 * @param visionLayers vision blocks
 * @param visionHeads vision attention heads
 * @param visionMlp vision MLP width
 * @param patch patch size in pixels
 * @param imageSize input resolution (square)
 * @param textWidth text transformer width
 * @param textLayers text blocks
 * @param textHeads text attention heads
 * @param textMlp text MLP width
 * @param context text context length (77)
 * @param vocab vocabulary size
 * @param embed joint embedding width
 * @param activation MLP activation
 * @param eps layer-norm epsilon
 */
public record ClipConfig(int visionWidth, int visionLayers, int visionHeads, int visionMlp, int patch,
        int imageSize, int textWidth, int textLayers, int textHeads, int textMlp, int context, int vocab,
        int embed, Activation activation, float eps) {

    /** Patch tokens plus the class token. */
    public int visionTokens() {
        int g = imageSize / patch;
        return g * g + 1;
    }
}
