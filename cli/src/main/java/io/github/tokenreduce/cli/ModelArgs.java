package io.github.tokenreduce.cli;

import ai.djl.Device;
import io.github.tokenreduce.cli.data.Cranfield;
import io.github.tokenreduce.cli.workload.BenchImages;
import io.github.tokenreduce.cli.workload.BlipWorkload;
import io.github.tokenreduce.cli.workload.ClipWorkload;
import io.github.tokenreduce.cli.workload.FamilyImageWorkload;
import io.github.tokenreduce.cli.workload.TextWorkload;
import io.github.tokenreduce.cli.workload.Workload;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.family.EntryPoint;
import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.family.ModelFamily;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * What a model argument names: a bundled sentence encoder by name, {@code random-clip} /
 * {@code random-blip} (ViT-B/16 shapes with random weights, for benchmarks), or a model folder or
 * file whose family the registry finds ({@link ModelFamilies#resolve}: {@code config.json}'s
 * {@code model_type}, a marker file, else its tensor names).
 */
final class ModelArgs {

    /** The benchmark models with random weights, by name. */
    private static final Map<String, BiFunction<Integer, BenchImages, Workload>> RANDOM = Map.of(
            "random-clip", (batch, images) -> ClipWorkload.randomVitB16(batch == null ? 8 : batch, images),
            "random-blip", (batch, images) -> BlipWorkload.randomBase(batch == null ? 2 : batch, images));

    /**
     * The bench workloads of their own, by family name, for families whose benchmark is not their
     * image path ({@link EntryPoint#IMAGE_FORWARD}, which any family offering it gets as a
     * {@link FamilyImageWorkload}): BLIP's image-text matching (docs/models.md, "Adding a model family").
     */
    private static final Map<String, WorkloadLoader> WORKLOADS = Map.of(
            "blip", (p, d, b, images) -> BlipWorkload.load(p, d, b == null ? 2 : b, images));

    private ModelArgs() {}

    /** Loads a family's bench workload. */
    @FunctionalInterface
    private interface WorkloadLoader {
        Workload load(Path path, Device device, Integer batch, BenchImages images) throws IOException;
    }

    /** The bundled encoder named {@code arg} ({@code all-minilm-l6-v2}, {@code minilm}, ...), or null. */
    static BundledEncoder bundled(String arg) {
        return BundledEncoder.byName(arg).orElse(null);
    }

    /** Whether {@code arg} names a benchmark model with random weights. */
    static boolean isRandom(String arg) {
        return RANDOM.containsKey(arg.toLowerCase(Locale.ROOT));
    }

    /** The family of the model at {@code path}. */
    static ModelFamily family(Path path) throws IOException {
        if (!Files.exists(path)) {
            List<String> names = new ArrayList<>(ModelFamilies.bundledNames());
            names.addAll(RANDOM.keySet().stream().sorted().toList());
            throw new IllegalArgumentException("model: " + path + " does not exist (and is not a bundled model name: "
                    + String.join(", ", names) + ")");
        }
        return ModelFamilies.resolve(path);
    }

    /** The benchmark workload for {@code arg}; an image model is fed {@code images}. */
    static Workload workload(String arg, Device device, Integer batch, Path data, int docs, BenchImages images)
            throws IOException {
        BiFunction<Integer, BenchImages, Workload> random = RANDOM.get(arg.toLowerCase(Locale.ROOT));
        if (random != null) {
            return random.apply(batch, images);
        }
        BundledEncoder b = bundled(arg);
        if (b != null) {
            return TextWorkload.of(b, documents(data, docs), batch == null ? 16 : batch);
        }
        Path p = Path.of(arg);
        ModelFamily f = family(p);
        WorkloadLoader loader = WORKLOADS.get(f.name());
        if (loader != null) {
            return loader.load(p, device, batch, images);
        }
        if (f.entryPoints().contains(EntryPoint.IMAGE_FORWARD)) {
            return FamilyImageWorkload.load(f, p, device, batch == null ? 8 : batch, images);
        }
        throw new IllegalArgumentException("model: " + p + " is a " + f.describe() + "; bench and calibrate run "
                + "the families with an image path (" + ModelFamilies.all().stream()
                        .filter(x -> x.entryPoints().contains(EntryPoint.IMAGE_FORWARD)).map(ModelFamily::name).toList()
                + "), " + WORKLOADS.keySet().stream().sorted().toList() + " and the bundled sentence encoders");
    }

    /** The first {@code n} Cranfield abstracts from {@code data}, or built-in sentences when it is absent. */
    static List<String> documents(Path data, int n) throws IOException {
        Path cran = data.resolve("cranfield");
        if (Files.isDirectory(cran)) {
            List<String> docs = new ArrayList<>(Cranfield.read(cran).docs().values());
            return docs.subList(0, Math.min(n, docs.size()));
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("A sample document number " + i + " about token reduction, which removes redundant tokens "
                    + "between transformer blocks to save compute while keeping the embedding close to the original.");
        }
        return out;
    }

}
