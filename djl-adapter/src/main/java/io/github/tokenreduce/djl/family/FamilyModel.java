package io.github.tokenreduce.djl.family;

import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A loaded model seen through its family's seam: views with another precision or a method attached
 * (sharing the weights), and the entry points its family offers ({@link ModelFamily#entryPoints()}).
 * Closing any view frees the loaded model and every view of it (nothing, for a wrapped model, whose
 * tensors belong to the caller).
 */
public interface FamilyModel extends AutoCloseable {

    /** The family this model belongs to. */
    ModelFamily family();

    /** The family's own model ({@code ClipModel}, {@code VitModel}, ...), for what the seam does not cover. */
    AutoCloseable model();

    /** This model with its linear layers in {@code precision}. */
    FamilyModel withPrecision(Precision precision);

    /** This model with {@code reduction} at {@code site} (one of {@link ModelFamily#sites()}). */
    FamilyModel withReduction(Site site, TowerReduction reduction);

    /** This model running {@code size} inputs per forward where it batches itself (default: unchanged). */
    default FamilyModel withBatchSize(int size) {
        return this;
    }

    /** Unit-length image embeddings [N][E] of decoded images ({@link EntryPoint#IMAGE_EMBEDDING}). */
    default float[][] embedImages(List<BufferedImage> images) {
        throw unsupported(EntryPoint.IMAGE_EMBEDDING);
    }

    /**
     * Unit-length text embeddings [N][E] of {@code texts} as documents: with the encoder's passage
     * prefix where it has one ({@link EntryPoint#TEXT_EMBEDDING}).
     */
    default float[][] embedTexts(List<String> texts) {
        throw unsupported(EntryPoint.TEXT_EMBEDDING);
    }

    /** The image path with the VISION site as attached ({@link EntryPoint#IMAGE_FORWARD}). */
    default ImageForward imageForward() {
        throw unsupported(EntryPoint.IMAGE_FORWARD);
    }

    /** The model as {@code type} ({@code ClipModel.class}, ...), or an error naming the family. */
    default <T> T as(Class<T> type) {
        if (!type.isInstance(model())) {
            throw new IllegalArgumentException("model: this is a " + family().describe() + " ("
                    + model().getClass().getSimpleName() + "), not a " + type.getSimpleName());
        }
        return type.cast(model());
    }

    /** The error for an entry point this model's family does not offer. */
    default IllegalArgumentException unsupported(EntryPoint what) {
        return new IllegalArgumentException("model: a " + family().describe() + " offers no " + what
                + "; its entry points are " + family().entryPoints());
    }

    @Override
    void close();
}
