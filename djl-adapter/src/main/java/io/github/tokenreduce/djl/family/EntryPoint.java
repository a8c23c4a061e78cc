package io.github.tokenreduce.djl.family;

/** What a family's loaded model can be asked for, beyond running a method at its sites. */
public enum EntryPoint {
    /** Unit-length image embeddings of decoded images ({@link FamilyModel#embedImages}). */
    IMAGE_EMBEDDING,
    /** Unit-length text embeddings, texts as documents ({@link FamilyModel#embedTexts}). */
    TEXT_EMBEDDING,
    /** Zero-shot image classification against text labels (CLIP's {@code classify}). */
    ZERO_SHOT,
    /** Image-text matching scores (BLIP's {@code itmScores}, ViLT's). */
    IMAGE_TEXT_MATCH,
    /** Image classification by a trained head (ViT/DeiT's {@code classify}). */
    CLASSIFICATION,
    /** The image path on preprocessed pixels, for benchmarks ({@link FamilyModel#imageForward}). */
    IMAGE_FORWARD,
    /** One ONNX graph with the reduction inside ({@code tokenreduce export}). */
    ONNX_EXPORT
}
