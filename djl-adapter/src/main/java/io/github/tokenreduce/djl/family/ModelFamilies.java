package io.github.tokenreduce.djl.family;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.weights.ModelFiles;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The registry of model families: every {@link ModelFamily} registered as a service in a
 * {@code META-INF/services/io.github.tokenreduce.djl.family.ModelFamily} file on the class path,
 * in the order listed (this library's own file lists CLIP, BLIP, ViLT, ViT and the BERT sentence
 * encoders; a family of one's own adds a line to a file of one's own). Recognition tries the
 * families in that order.
 */
public final class ModelFamilies {

    private static final List<ModelFamily> ALL = load();

    private ModelFamilies() {}

    private static List<ModelFamily> load() {
        List<ModelFamily> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ModelFamily f : ServiceLoader.load(ModelFamily.class, ModelFamily.class.getClassLoader())) {
            if (!names.add(f.name())) {
                throw new IllegalStateException("model families: two are registered as '" + f.name() + "' ("
                        + f.getClass().getName() + " and another); each needs its own name");
            }
            out.add(f);
        }
        return List.copyOf(out);
    }

    /** Every registered family, in registration order. */
    public static List<ModelFamily> all() {
        return ALL;
    }

    /** The family called {@code name} ({@code clip}, ...). */
    public static Optional<ModelFamily> byName(String name) {
        return ALL.stream().filter(f -> f.name().equalsIgnoreCase(name)).findFirst();
    }

    /** The family bundling a model called {@code name} ({@code all-minilm-l6-v2}, ...). */
    public static Optional<ModelFamily> bundling(String name) {
        return ALL.stream().filter(f -> f.bundles(name)).findFirst();
    }

    /** Every bundled model name of every family. */
    public static List<String> bundledNames() {
        return ALL.stream().flatMap(f -> f.bundledNames().stream()).toList();
    }

    /**
     * The family of parameters called {@code names}: the first whose markers of one naming all match.
     *
     * @param source what the names come from, for the error
     * @throws IllegalArgumentException naming the namings known and the first names seen
     */
    public static ModelFamily recognise(Collection<String> names, String source) {
        for (ModelFamily f : ALL) {
            if (f.namings().stream().anyMatch(n -> n.matches(names))) {
                return f;
            }
        }
        List<String> known = new ArrayList<>();
        for (ModelFamily f : ALL) {
            f.namings().forEach(n -> known.add(f.name() + " (" + n.name() + ") " + n.markers()));
        }
        throw new IllegalArgumentException("model: the parameters of " + source + " belong to no known family; "
                + "expected the names of one of " + known + ", first names seen: "
                + names.stream().sorted().limit(5).toList() + " (" + names.size() + " in all)");
    }

    /**
     * The family of the model at {@code path}: from its {@code config.json}'s {@code model_type}, a
     * marker file beside it, else its parameter names (the weights are read once to list them).
     *
     * @throws IllegalArgumentException when the path does not exist or no family recognises it
     */
    public static ModelFamily resolve(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("model: " + path + " does not exist");
        }
        JsonObject cfg = ModelFiles.config(path);
        if (cfg != null && cfg.has("model_type")) {
            String t = cfg.get("model_type").getAsString();
            for (ModelFamily f : ALL) {
                if (f.modelTypes().contains(t)) {
                    return f;
                }
            }
        }
        for (ModelFamily f : ALL) {
            for (String marker : f.markerFiles()) {
                if (ModelFiles.json(path, marker) != null) {
                    return f;
                }
            }
        }
        Set<String> names;
        try (NDManager m = NDManager.newBaseManager()) {
            names = Set.copyOf(WeightFiles.load(path, m, Device.cpu()).tensors().keySet());
        }
        return recognise(names, path.toString());
    }

    /**
     * The model {@code arg} names, loaded: a bundled model's name, else a path whose family
     * {@link #resolve} finds.
     */
    public static FamilyModel load(String arg, Device device) throws IOException {
        Optional<ModelFamily> bundled = bundling(arg);
        if (bundled.isPresent()) {
            return bundled.get().loadBundled(arg, device);
        }
        Path p = Path.of(arg);
        return resolve(p).load(p, device);
    }
}
