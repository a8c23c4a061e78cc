package io.github.tokenreduce.djl.family;

import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A {@link FamilyModel} made of a family's own model {@code M} and the functions that give its views
 * and entry points, so that a family implements the seam by naming its model's methods. Views share
 * {@code owner}, which the first {@link #close()} frees. A method is attached only at one of the
 * family's sites and only when the site gives all it {@code requires()} ({@link ModelFamily#siteInputs}).
 *
 * @param family the family
 * @param model this view of the family's model
 * @param owner what frees the loaded model (null: nothing, the tensors belong to the caller)
 * @param ops the model's methods
 * @param <M> the family's model type
 */
public record LoadedModel<M extends AutoCloseable>(ModelFamily family, M model, AutoCloseable owner, Ops<M> ops)
        implements FamilyModel {

    /**
     * A family model's methods; an entry point the family does not offer is null.
     *
     * @param precision {@code withPrecision}
     * @param reduction {@code withReduction}
     * @param images image embeddings, or null
     * @param texts text embeddings (texts as documents), or null
     * @param batch {@code withBatchSize}, or null where the model does not batch itself
     * @param vision the image path, or null
     * @param <M> the family's model type
     */
    public record Ops<M>(BiFunction<M, Precision, M> precision, Reducing<M> reduction,
            BiFunction<M, List<BufferedImage>, float[][]> images, BiFunction<M, List<String>, float[][]> texts,
            BiFunction<M, Integer, M> batch, Function<M, ImageForward> vision) {}

    /** A model's {@code withReduction}. */
    @FunctionalInterface
    public interface Reducing<M> {
        /** {@code model} with {@code reduction} at {@code site}. */
        M apply(M model, Site site, TowerReduction reduction);
    }

    private LoadedModel<M> view(M m) {
        return new LoadedModel<>(family, m, owner, ops);
    }

    @Override
    public FamilyModel withPrecision(Precision precision) {
        return view(ops.precision().apply(model, precision));
    }

    @Override
    public FamilyModel withReduction(Site site, TowerReduction reduction) {
        if (!family.sites().contains(site)) {
            throw new IllegalArgumentException("site: a " + family.describe() + " has no " + site + " site; its sites are "
                    + family.sites());
        }
        Set<SiteInput> missing = new HashSet<>(reduction.reducer().requires());
        missing.removeAll(family.siteInputs(site));
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("reduction: " + reduction.reducer().name() + " needs " + missing
                    + ", which the " + site + " site of a " + family.describe() + " does not give; it gives "
                    + family.siteInputs(site));
        }
        return view(ops.reduction().apply(model, site, reduction));
    }

    @Override
    public FamilyModel withBatchSize(int size) {
        return ops.batch() == null ? this : view(ops.batch().apply(model, size));
    }

    @Override
    public float[][] embedImages(List<BufferedImage> images) {
        if (ops.images() == null) {
            throw unsupported(EntryPoint.IMAGE_EMBEDDING);
        }
        return ops.images().apply(model, images);
    }

    @Override
    public float[][] embedTexts(List<String> texts) {
        if (ops.texts() == null) {
            throw unsupported(EntryPoint.TEXT_EMBEDDING);
        }
        return ops.texts().apply(model, texts);
    }

    @Override
    public ImageForward imageForward() {
        if (ops.vision() == null) {
            throw unsupported(EntryPoint.IMAGE_FORWARD);
        }
        return ops.vision().apply(model);
    }

    @Override
    public void close() {
        if (owner == null) {
            return;
        }
        try {
            owner.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("model: cannot close the " + family.describe() + ": " + e.getMessage(), e);
        }
    }
}
