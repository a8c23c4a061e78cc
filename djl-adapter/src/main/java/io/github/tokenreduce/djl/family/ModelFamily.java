package io.github.tokenreduce.djl.family;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.defaults.Defaults;
import io.github.tokenreduce.djl.site.Site;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One model family (CLIP, BLIP, ViT, ViLT, the BERT sentence encoders): how it is recognised (a
 * {@code config.json} {@code model_type}, a marker file, its parameter names, or a bundled model's
 * name), how it is loaded from files or built on tensors someone else loaded, which sites it offers
 * and what each site gives a method, and its entry points. Each family implements this in its own
 * package; {@link ModelFamilies} holds them all.
 */
public interface ModelFamily {

    /** What a block of one stream gives a method: everything but text-to-image attention. */
    Set<SiteInput> WITHOUT_CROSS_ATTENTION = Set.copyOf(EnumSet.complementOf(EnumSet.of(SiteInput.CROSS_ATTENTION)));

    /** The family's name, lower case ({@code clip}); what {@link ModelFamilies#byName} takes. */
    String name();

    /** A short description for messages ("CLIP dual encoder"). */
    String describe();

    /** The {@code model_type} values of a Hugging Face {@code config.json} that mean this family. */
    default List<String> modelTypes() {
        return List.of();
    }

    /** Files whose presence in a model folder means this family ({@code open_clip_config.json}). */
    default List<String> markerFiles() {
        return List.of();
    }

    /** The namings of this family's parameters; empty when it is not recognised from weights. */
    List<Naming> namings();

    /** Names that load a bundled model of this family without a path ({@code all-minilm-l6-v2}). */
    default List<String> bundledNames() {
        return List.of();
    }

    /** Whether {@code name} loads one of this family's bundled models (by default: one of {@link #bundledNames()}). */
    default boolean bundles(String name) {
        return bundledNames().stream().anyMatch(b -> b.equalsIgnoreCase(name));
    }

    /** The sites a method can be attached to. */
    Set<Site> sites();

    /**
     * What {@code site} gives a method ({@code TokenReducer.requires()} must be a subset); empty when
     * not a site. By default every site is one stream's blocks: everything but text-to-image attention.
     */
    default Set<SiteInput> siteInputs(Site site) {
        return sites().contains(site) ? WITHOUT_CROSS_ATTENTION : Set.of();
    }

    /** What a loaded model of this family can be asked for. */
    Set<EntryPoint> entryPoints();

    /**
     * The spec of {@code method} at {@code level} (null: the documented default) on {@code site} of
     * the model {@code model}; null when the documented default is no reduction. Image towers merge
     * with proportional attention, as the command line does.
     */
    default ReducerSpec spec(String model, Site site, String method, Double level) {
        return Defaults.visionSpec(method, level, site == Site.VISION_BLOCKS);
    }

    /** The family's ONNX export, present exactly when {@link #entryPoints()} has {@link EntryPoint#ONNX_EXPORT}. */
    default Optional<OnnxExporter> onnxExporter() {
        return Optional.empty();
    }

    /** Loads the model at {@code path} (a folder or a weights file) onto {@code device}. */
    FamilyModel load(Path path, Device device) throws IOException;

    /**
     * Loads the bundled model {@code name} (one of {@link #bundledNames()}).
     *
     * @throws IllegalArgumentException when this family bundles no model of that name
     */
    default FamilyModel loadBundled(String name, Device device) throws IOException {
        throw new IllegalArgumentException("model: the " + name() + " family bundles no model called '" + name
                + "'; expected one of " + bundledNames());
    }

    /**
     * Our model on {@code tensors} (shared, not copied), built on {@code manager}, which the model
     * does not own; {@code config} is a Hugging Face {@code config.json} or null (the geometry is then
     * read from the tensor shapes).
     */
    FamilyModel wrap(Map<String, NDArray> tensors, JsonObject config, NDManager manager);
}
