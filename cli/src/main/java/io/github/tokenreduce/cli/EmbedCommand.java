package io.github.tokenreduce.cli;

import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.family.EntryPoint;
import io.github.tokenreduce.djl.family.FamilyModel;
import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.family.ModelFamily;
import io.github.tokenreduce.djl.family.OnnxRuntimeImages;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.concurrent.Callable;

/**
 * {@code tokenreduce embed}: embeddings of a folder of images (a family with image embeddings: CLIP) or of a text file,
 * one text per line (a bundled sentence encoder), with a reduced model; writes, batch by batch,
 * {@code embeddings.npy} (float32 [N, D], unit rows) and {@code ids.txt} (file names or line numbers,
 * one per row) through {@link EmbedOutput}. An input that cannot be read or decoded is skipped and
 * listed in {@code errors.txt} (exit code {@value #SKIPPED}), or with {@code --strict} stops the run;
 * {@code --resume} continues a run that stopped.
 */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Embeds a folder of images with a CLIP model, or a text file (one text per line) with a bundled "
            + "sentence encoder, reduced by --spec (a schedule.json from calibrate) or --method/--level.",
            "Writes embeddings.npy (float32, one unit-length row per input) and ids.txt (file name or line number) "
                + "as it goes, and errors.txt: each input skipped because it could not be read or decoded (id, tab, "
                + "reason).",
            "Exit code 0: every input embedded; 3: some were skipped; 1: a failure (with --strict, the first input "
                + "that cannot be embedded); 2: a usage error."})
public final class EmbedCommand implements Callable<Integer> {

    /** The exit code of a run that skipped inputs (listed in errors.txt). */
    public static final int SKIPPED = 3;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A CLIP folder/file (images) or a bundled encoder (text).")
    String model;

    @Option(names = "--input", required = true, description = "An image folder (CLIP) or a UTF-8 text file (encoders).")
    Path input;

    @Mixin
    ReductionOptions reduction;

    @Option(names = "--precision", defaultValue = "fp32", converter = PrecisionConverter.class,
            description = "Precision of the linear layers: fp32, bf16, int8 or auto (bf16 where the CPU has bfloat16 "
                    + "instructions); default ${DEFAULT-VALUE}. See docs/performance.md for the accuracy cost.")
    Precision precision;

    @Option(names = "--batch", defaultValue = "16", description = "Inputs per forward (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--engine", defaultValue = "pytorch",
            description = "pytorch (the model block by block, default), or onnxruntime: CLIP images or a sentence "
                    + "encoder's texts through the model exported as one ONNX graph with its reduction inside "
                    + "(--precision fp32, int8 or auto = int8). See docs/export.md.")
    String engine;

    @Option(names = "--prefix", defaultValue = "passage",
            description = "Text role for encoders that prefix it (e5): passage, query or none (default ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--strict", description = "Stop at the first input that cannot be read or decoded (exit code 1).")
    boolean strict;

    @Option(names = "--resume", description = "Keep the rows already in --out and embed only the inputs ids.txt lacks "
            + "(same model and options as the run that wrote them).")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (batch < 1) {
            throw new IllegalArgumentException("--batch: must be >= 1 but was " + batch);
        }
        reduction.check();
        if (!engine.equals("pytorch") && !engine.equals("onnxruntime")) {
            throw new IllegalArgumentException("--engine: expected pytorch or onnxruntime but got '" + engine + "'");
        }
        BundledEncoder text = ModelArgs.bundled(model);
        EmbedOutput.Summary s = text != null ? embedText(text) : embedImages();
        if (!common.quiet) {
            System.out.printf(Locale.ROOT, "%d embeddings of dimension %d in %s (%d this run%s)%n", s.rows(),
                    s.columns(), common.out.resolve(EmbedOutput.EMBEDDINGS).toAbsolutePath(), s.rows() - s.resumed(),
                    s.resumed() > 0 ? ", " + s.resumed() + " resumed" : "");
        }
        if (s.skipped() > 0) {
            spec.commandLine().getErr().printf(Locale.ROOT, "tokenreduce embed: %d input%s skipped, listed in %s%n",
                    s.skipped(), s.skipped() == 1 ? "" : "s", common.out.resolve(EmbedOutput.ERRORS).toAbsolutePath());
            spec.commandLine().getErr().flush();
            return SKIPPED;
        }
        return 0;
    }

    /** The reducer the options name for a sentence encoder ({@code text}) or CLIP (null), or null for the unreduced model. */
    private TokenReducer reducer(BundledEncoder text) throws IOException {
        ReducerSpec spec = reduction.spec(text);
        return spec == null ? null : spec.reducer();
    }

    private EmbedOutput.Summary embedText(BundledEncoder b) throws IOException {
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
        TokenReducer r = reducer(b);
        int lines = TextLines.count(input);
        boolean ort = engine.equals("onnxruntime");
        try (AutoCloseable model = ort ? OnnxRuntimeSentenceEncoder.open(b, r == null ? null : TowerReduction.of(r),
                        precision, SentenceEncoderOnnxExport.DEFAULT_LENGTHS, batch)
                        : b.load(common.device()).withBatchSize(batch);
                EmbedOutput out = EmbedOutput.open(common.out, resume);
                TextLines in = TextLines.open(input);
                Progress p = new Progress("embed", lines, common.quiet)) {
            Function<List<String>, float[][]> e;
            if (model instanceof OnnxRuntimeSentenceEncoder o) {
                e = o::embed;
            } else {
                SentenceEncoder precise = ((SentenceEncoder) model).withPrecision(precision);
                SentenceEncoder used = r == null ? precise : precise.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(r));
                e = used::embed;
            }
            List<String> ids = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (TextLines.Line l = in.next(); l != null; l = in.next()) {
                String id = Integer.toString(l.number());
                if (l.error() != null) {
                    skip(out, id, l.error());
                } else if (!l.text().isBlank() && !out.done(id)) {
                    ids.add(id);
                    texts.add(role + l.text());
                }
                p.step();
                if (texts.size() == batch) {
                    out.add(ids, e.apply(texts));
                    ids.clear();
                    texts.clear();
                }
            }
            if (!texts.isEmpty()) {
                out.add(ids, e.apply(texts));
            }
            return out.summary();
        } catch (IOException | RuntimeException ex) {
            throw ex;
        } catch (Exception ex) {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    private EmbedOutput.Summary embedImages() throws IOException {
        Path dir = Path.of(model);
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException("model: '" + model + "' is neither a bundled encoder nor an existing path");
        }
        ModelFamily family = ModelArgs.family(dir);
        if (!family.entryPoints().contains(EntryPoint.IMAGE_EMBEDDING)) {
            throw new IllegalArgumentException("model: embed supports the image embeddings of "
                    + ModelFamilies.all().stream().filter(f -> f.entryPoints().contains(EntryPoint.IMAGE_EMBEDDING))
                            .map(ModelFamily::describe).toList()
                    + " and the bundled sentence encoders; " + dir + " holds a " + family.describe());
        }
        List<Path> files = Images.list(input);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--input: no PNG/JPEG/GIF/BMP images in " + input);
        }
        TokenReducer r = reducer(null);
        boolean ort = engine.equals("onnxruntime");
        try (FamilyModel base = ort ? null : family.load(dir, common.device());
                OnnxRuntimeImages onOrt = ort ? OnnxRuntimeImages.open(family, dir, r, precision) : null;
                EmbedOutput out = EmbedOutput.open(common.out, resume)) {
            List<Path> todo = files.stream().filter(f -> !out.done(id(f))).toList();
            try (Progress p = new Progress("embed", todo.size(), common.quiet)) {
                FamilyModel c = null;
                if (!ort) {
                    FamilyModel precise = base.withPrecision(precision);
                    c = r == null ? precise : precise.withReduction(Site.VISION_BLOCKS, TowerReduction.of(r));
                }
                for (int i = 0; i < todo.size(); i += batch) {
                    List<BufferedImage> imgs = new ArrayList<>();
                    List<String> ids = new ArrayList<>();
                    for (Path f : todo.subList(i, Math.min(todo.size(), i + batch))) {
                        String id = id(f);
                        try {
                            if (id.indexOf('\n') >= 0 || id.indexOf('\r') >= 0) {
                                throw new IllegalArgumentException("image " + f + " has a line break in its name, "
                                        + "which ids.txt cannot hold");
                            }
                            imgs.add(Images.read(f));
                            ids.add(id);
                        } catch (IOException | RuntimeException e) {
                            skip(out, id, Images.whyUnreadable(f, e));
                        }
                        p.step();
                    }
                    out.add(ids, ort ? onOrt.embed(imgs) : c.embedImages(imgs));
                }
            }
            return out.summary();
        }
    }

    private String id(Path file) {
        return input.relativize(file).toString();
    }

    /** Lists an input that cannot be embedded in errors.txt, or with --strict stops the run. */
    private void skip(EmbedOutput out, String id, String reason) throws IOException {
        out.skip(id, reason);
        if (strict) {
            throw new IllegalArgumentException(reason + " (--strict; " + out.rows() + " rows are in " + common.out
                    + ", and --resume continues)");
        }
    }
}
