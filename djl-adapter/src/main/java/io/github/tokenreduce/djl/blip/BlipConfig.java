package io.github.tokenreduce.djl.blip;

/**
 * BLIP image-text retrieval geometry (ViT-B/16 + BERT-base for the released base checkpoints).
 *
 * @param visionWidth ViT width
 * @param visionLayers ViT blocks
 * @param visionHeads ViT heads
 * @param visionMlp ViT MLP width
 * @param patch patch size
 * @param imageSize input resolution (384 for the retrieval checkpoints)
 * @param visionEps ViT layer-norm epsilon
 * @param textWidth BERT width
 * @param textLayers BERT layers
 * @param textHeads BERT heads
 * @param textIntermediate BERT feed-forward width
 * @param vocab vocabulary size
 * @param maxPositions position embeddings
 * @param textEps BERT layer-norm epsilon
 * @param embed ITC projection width
 */
public record BlipConfig(int visionWidth, int visionLayers, int visionHeads, int visionMlp, int patch,
        int imageSize, float visionEps, int textWidth, int textLayers, int textHeads, int textIntermediate,
        int vocab, int maxPositions, float textEps, int embed) {

    /** Patch tokens plus the class token. */
    public int visionTokens() {
        int g = imageSize / patch;
        return g * g + 1;
    }
}
