package io.github.tokenreduce.bench.cli;

import io.github.tokenreduce.bench.report.Npy;
import io.github.tokenreduce.core.ReducerSpec;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.site.Defaults;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tokenreduce embed}: embeddings of a folder of images (CLIP image tower) or of a text file,
 * one text per line (a bundled sentence encoder), with a reduced model; writes
 * {@code embeddings.npy} (float32 [N, D], unit rows) and {@code ids.txt} (file names or line numbers,
 * one per row).
 */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Embeds a folder of images with a CLIP model, or a text file (one text per line) with a bundled "
            + "sentence encoder, reduced by --spec (a schedule.json from calibrate) or --method/--level.",
            "Writes embeddings.npy (float32, one unit-length row per input) and ids.txt (file name or line number)."})
public final class EmbedCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A CLIP folder/file (images) or a bundled encoder (text).")
    String model;

    @Option(names = "--input", required = true, description = "An image folder (CLIP) or a UTF-8 text file (encoders).")
    Path input;

    @ArgGroup(exclusive = true)
    Reduction reduction;

    @Option(names = "--batch", defaultValue = "16", description = "Inputs per forward (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--prefix", defaultValue = "passage",
            description = "Text role for encoders that prefix it (e5): passage, query or none (default ${DEFAULT-VALUE}).")
    String prefix;

    /** How the model is reduced: a spec file, or a method and level. */
    static final class Reduction {
        @Option(names = "--spec", description = "A reducer spec (schedule.json written by calibrate).")
        Path spec;

        @Option(names = "--method", description = "auto (the model's documented default), tome, crossget or madtp; "
                + "--level optional.")
        String method;
    }

    @Option(names = "--level", description = "With --method: r for CLIP (default 16), share kept for text (default: the "
            + "model's documented level, Defaults).")
    Double level;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (batch < 1) {
            throw new IllegalArgumentException("--batch: must be >= 1 but was " + batch);
        }
        if (level != null && (reduction == null || reduction.method == null)) {
            throw new IllegalArgumentException("--level: needs --method");
        }
        BundledEncoder text = ModelArgs.bundled(model);
        List<String> ids = new ArrayList<>();
        float[][] rows = text != null ? embedText(text, ids) : embedImages(ids);
        Files.createDirectories(common.out);
        Npy.write(common.out.resolve("embeddings.npy"), rows);
        Files.write(common.out.resolve("ids.txt"), ids, StandardCharsets.UTF_8);
        if (!common.quiet) {
            System.out.printf(Locale.ROOT, "%d embeddings of dimension %d written to %s%n", rows.length,
                    rows.length == 0 ? 0 : rows[0].length, common.out.resolve("embeddings.npy").toAbsolutePath());
        }
        return 0;
    }

    /** The reducer the options name for a sentence encoder ({@code text}) or CLIP (null), or null for the unreduced model. */
    private TokenReducer reducer(BundledEncoder text) throws IOException {
        if (reduction == null) {
            return null;
        }
        if (reduction.spec != null) {
            if (!Files.isRegularFile(reduction.spec)) {
                throw new IllegalArgumentException("--spec: " + reduction.spec + " is not a file");
            }
            return ReducerSpec.read(reduction.spec).reducer();
        }
        return (text != null ? Defaults.textSpec(text, reduction.method, level)
                : Defaults.visionSpec(reduction.method, level, true)).reducer();
    }

    private float[][] embedText(BundledEncoder b, List<String> ids) throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("--input: a sentence encoder embeds a text file (one text per line); "
                    + input + " is not a file");
        }
        String role = switch (prefix.toLowerCase(Locale.ROOT)) {
            case "passage" -> b.passagePrefix();
            case "query" -> b.queryPrefix();
            case "none" -> "";
            default -> throw new IllegalArgumentException("--prefix: expected passage, query or none but got '"
                    + prefix + "'");
        };
        List<String> lines = Files.readAllLines(input, StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                texts.add(role + lines.get(i));
                ids.add(Integer.toString(i + 1));
            }
        }
        TokenReducer r = reducer(b);
        float[][] out = new float[texts.size()][];
        try (SentenceEncoder base = b.load(common.device()).withBatchSize(batch);
                Progress p = new Progress("embed", (texts.size() + batch - 1) / batch, common.quiet)) {
            SentenceEncoder e = r == null ? base : base.withReduction(Tower.TEXT, TowerReduction.of(r));
            for (int i = 0; i < texts.size(); i += batch) {
                float[][] part = e.embed(texts.subList(i, Math.min(texts.size(), i + batch)));
                System.arraycopy(part, 0, out, i, part.length);
                p.step();
            }
        }
        return out;
    }

    private float[][] embedImages(List<String> ids) throws IOException {
        Path dir = Path.of(model);
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException("model: '" + model + "' is neither a bundled encoder nor an existing path");
        }
        if (ModelArgs.kind(dir) != ModelArgs.Kind.CLIP) {
            throw new IllegalArgumentException("model: embed supports CLIP image towers and the bundled sentence encoders; "
                    + dir + " holds a " + ModelArgs.kind(dir) + " model");
        }
        List<Path> files = Images.list(input);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--input: no PNG/JPEG/GIF/BMP images in " + input);
        }
        TokenReducer r = reducer(null);
        List<float[]> out = new ArrayList<>();
        try (ClipModel base = ClipModel.load(dir, common.device());
                Progress p = new Progress("embed", (files.size() + batch - 1) / batch, common.quiet)) {
            ClipModel c = r == null ? base : base.withReduction(Tower.VISION, TowerReduction.of(r));
            for (int i = 0; i < files.size(); i += batch) {
                List<BufferedImage> imgs = new ArrayList<>();
                for (Path f : files.subList(i, Math.min(files.size(), i + batch))) {
                    imgs.add(Images.read(f));
                    ids.add(input.relativize(f).toString());
                }
                out.addAll(List.of(c.embed(imgs)));
                p.step();
            }
        }
        return out.toArray(new float[0][]);
    }
}
