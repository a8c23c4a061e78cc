package io.github.tokenreduce.cli;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.family.ModelFamily;
import io.github.tokenreduce.djl.family.OnnxExporter;
import io.github.tokenreduce.djl.nn.KeyMasking;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vilt.ViltConfig;
import io.github.tokenreduce.djl.vilt.ViltModel;
import io.github.tokenreduce.djl.vilt.ViltOnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tokenreduce export}: one self-contained ONNX graph of a model with its reduction inside,
 * written by its family's {@link OnnxExporter} (ViT/DeiT classifiers, CLIP and BLIP image towers), by
 * {@link SentenceEncoderOnnxExport} for a bundled sentence encoder, or by {@link ViltOnnxExport} for ViLT. The model, method and schedule are checked first
 * ({@link ExportableReduction}); the graph is written to a temporary file beside the output, run in
 * ONNX Runtime and compared with the eager path, and only then moved to its name — a failure leaves
 * no file.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a ViT/DeiT classifier (or a CLIP or BLIP image tower, or a bundled sentence encoder) with its token reduction inside as "
            + "one ONNX graph (opset 17, batch dynamic, each layer's count fixed): inputs pixels [batch, 3, S, S]; outputs "
            + "logits and features (image_embeds for CLIP, image_feat for BLIP) and tokens_per_layer. Reduced by --method/--level (tome or crossget, r) or --spec (also one r per layer or a "
            + "keep ratio); neither: unreduced. A sentence encoder's graph takes input_ids and attention_mask [batch, "
            + "sequence] (length dynamic through --lengths buckets) and gives sentence_embedding; --level is the share kept. "
            + "ViLT's graph takes pixels, pixel_mask, input_ids, attention_mask and token_type_ids at --image-size and "
            + "--text-length and gives pooler_output, last_hidden_state and its heads' qa_logits or rank_score; "
            + "--method tome or pumer.",
            "The file is run in ONNX Runtime and checked against the eager model before the command succeeds; a model, "
                + "method or schedule the graph cannot express is refused before anything is written. See docs/export.md."})
public final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A ViT/DeiT, CLIP, BLIP or ViLT folder or weights file (timm "
            + "or Hugging Face naming; geometry from its config.json), or a bundled sentence encoder's name (all-minilm-l6-v2, "
            + "bge-small-en-v1.5, e5-small-v2).")
    String model;

    @Option(names = "--precision", defaultValue = "fp32", converter = PrecisionConverter.class,
            description = "Products with weights in fp32 or int8 (dynamic quantization; auto: int8) (default: ${DEFAULT-VALUE}).")
    Precision precision;

    @Option(names = "--lengths", split = ",", paramLabel = "L",
            description = "A sentence encoder's bucket lengths (default: every 16 tokens to 128, every 32 to 512, up to its "
                    + "position table).")
    int[] lengths;

    @Option(names = "--image-size", paramLabel = "HxW", description = "ViLT: the image size the graph takes, height x "
            + "width in pixels (default: the model's square image size, its position grid times its patch).")
    String imageSize;

    @Option(names = "--text-length", paramLabel = "T", description = "ViLT: the text length the graph takes (pad shorter "
            + "texts with id 0 and mask 0; default 40, ViLT's processor's, or the model's text positions if fewer).")
    Integer textLength;

    @Mixin
    ReductionOptions reduction;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The .onnx file to write.")
    Path output;

    @Override
    public Integer call() throws Exception {
        reduction.check();
        if (Files.isDirectory(output)) {
            throw new IllegalArgumentException("-o: " + output + " is a folder; expected the .onnx file to write");
        }
        Precision p = precision == Precision.AUTO ? Precision.INT8 : precision;
        OnnxExport.int8(p); // refuses bf16 before anything is read
        BundledEncoder text = ModelArgs.bundled(model);
        if (text != null) {
            return exportText(text, p);
        }
        if (lengths != null) {
            throw new IllegalArgumentException("--lengths: only a sentence encoder's graph has length buckets, not " + model);
        }
        Path weights = Path.of(model);
        boolean vilt = !ModelArgs.isRandom(model) && ModelArgs.family(weights).name().equals("vilt");
        if (vilt) {
            return exportVilt(weights, p);
        }
        if (imageSize != null || textLength != null) {
            throw new IllegalArgumentException("--image-size and --text-length: only ViLT's graph takes them (a ViT, "
                    + "CLIP or BLIP graph takes its model's image size), not " + model);
        }
        OnnxExporter exporter = exporter(model);
        ReducerSpec s = reduction.spec(null);
        OnnxExporter.Geometry geometry = exporter.geometry(weights);
        if (s != null) {
            ExportableReduction.check(s, geometry.layers());
        }
        TowerReduction r0 = s == null ? null : TowerReduction.of(s.reducer());
        OnnxExport.Result r = write(tmp -> exporter.export(weights, r0, tmp, p));
        report(geometry.description(), s, r, geometry.tokens());
        return 0;
    }

    /** A bundled sentence encoder's graph over length buckets ({@link SentenceEncoderOnnxExport}). */
    private int exportText(BundledEncoder text, Precision p) throws IOException {
        ReducerSpec s = reduction.spec(text);
        TowerReduction red = s == null ? null : TowerReduction.of(s.reducer());
        SentenceEncoderOnnxExport.eagerReduction(red); // refuses MADTP before anything is loaded
        int[] buckets = lengths == null ? SentenceEncoderOnnxExport.DEFAULT_LENGTHS : lengths;
        OnnxExport.Result r = write(tmp -> SentenceEncoderOnnxExport.export(text, red, buckets, tmp, p));
        report(text.modelName() + " sentence encoder, length buckets " + Arrays.toString(buckets)
                + " (those the position table holds)", s, r, buckets[buckets.length - 1]);
        return 0;
    }

    /**
     * ViLT's graph ({@link ViltOnnxExport}): pixels, pixel mask, ids, mask and token types at a fixed image
     * size and text length; unreduced, ToMe or PuMer ({@code --method pumer}: layers 2, 5, 8 and the released
     * ratios) at its one site, with Hugging Face's attention masking.
     */
    private int exportVilt(Path weights, Precision p) throws IOException {
        if (OnnxExport.int8(p)) {
            throw new IllegalArgumentException("--precision int8: ViLT's graph is written in fp32 so far (its VQA and "
                    + "rank heads are checked to 1e-4, not by cosine); export it with --precision fp32");
        }
        ViltConfig c;
        try (ViltModel m = ViltModel.load(weights, ai.djl.Device.cpu())) {
            c = m.config();
        }
        int side = c.grid() * c.patch();
        int[] hw = imageSize == null ? new int[] {side, side} : size(imageSize);
        int text = textLength != null ? textLength : Math.min(ViltOnnxExport.TEXT_LENGTH, c.maxText());
        ReducerSpec s = "pumer".equalsIgnoreCase(reduction.method()) ? pumer(c.layers()) : reduction.spec(null);
        if (s != null && !s.method().equals("pumer")) {
            ExportableReduction.check(s, c.layers());
        }
        TowerReduction red = s == null ? null : TowerReduction.of(s.reducer());
        OnnxExport.Result r = write(tmp -> ViltOnnxExport.export(weights, red, KeyMasking.ALWAYS, hw[0], hw[1], text,
                tmp));
        int tokens = text + 1 + (hw[0] / c.patch()) * (hw[1] / c.patch());
        report(String.format(Locale.ROOT, "ViLT, %dx%d px, %d text tokens, %d layers x %d wide", hw[0], hw[1], text,
                c.layers(), c.width()), s, r, tokens);
        return 0;
    }

    /** PuMer at layers 2, 5 and 8 with its released ratios ({@code --method pumer}), on a ViLT of {@code layers} blocks. */
    private ReducerSpec pumer(int layers) {
        if (reduction.level != null) {
            throw new IllegalArgumentException("--level: PuMer has no single level; --method pumer reduces at layers 2, 5 "
                    + "and 8 with its released ratios; give other layers in a --spec (method pumer, a dynamic schedule)");
        }
        if (layers <= 8) {
            throw new IllegalArgumentException("--method pumer: reduces at layers 2, 5 and 8, but this ViLT has " + layers
                    + " blocks; give layers below " + layers + " in a --spec (method pumer, a dynamic schedule)");
        }
        return new ReducerSpec("pumer", Schedule.dynamic(2, 5, 8), false, 1f);
    }

    /** {@code HxW} as {height, width}. */
    private static int[] size(String hw) {
        String[] parts = hw.toLowerCase(Locale.ROOT).split("x", -1);
        try {
            if (parts.length == 2) {
                int[] out = {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
                if (out[0] > 0 && out[1] > 0) {
                    return out;
                }
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("--image-size: expected HEIGHTxWIDTH in pixels such as 384x576, got '" + hw + "'");
    }

    private void report(String description, ReducerSpec s, OnnxExport.Result r, int tokens) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        long bytes = Files.size(output);
        out.printf(Locale.ROOT, "wrote %s (%.1f MB, %d bytes)%n", output.toAbsolutePath(), bytes / 1e6, bytes);
        out.printf(Locale.ROOT, "  model: %s, products in %s%n", description, precision.label());
        out.printf(Locale.ROOT, "  reduction: %s%n", s == null ? "none" : s.toJson());
        out.printf(Locale.ROOT, "  tokens per layer: %s (of %d)%n", Arrays.toString(r.tokensPerLayer()), tokens);
        out.printf(Locale.ROOT, "  checked in ONNX Runtime: %s %.1e%n",
                OnnxExport.int8(precision == Precision.AUTO ? Precision.INT8 : precision)
                        ? "1 - cosine to the float32 eager outputs at most" : "within", r.maxDifference());
        out.flush();
    }

    /** Writes one graph to the file it is given (a temporary one). */
    @FunctionalInterface
    private interface Writing {
        OnnxExport.Result to(Path file) throws IOException;
    }

    /** The exporter of the family of the model {@code arg}; a model whose family has none is refused, naming it. */
    private static OnnxExporter exporter(String arg) throws IOException {
        String seen;
        if (ModelArgs.isRandom(arg)) {
            seen = "a random-weight benchmark model";
        } else {
            ModelFamily f = ModelArgs.family(Path.of(arg));
            if (f.onnxExporter().isPresent()) {
                return f.onnxExporter().get();
            }
            seen = "a " + f.name().toUpperCase(Locale.ROOT) + " model (" + f.describe() + ")";
        }
        List<String> exporting = ModelFamilies.all().stream().filter(f -> f.onnxExporter().isPresent())
                .map(f -> f.describe() + "s").toList();
        throw new IllegalArgumentException("model: " + arg + " is " + seen + "; export writes "
                + String.join(", ", exporting) + " (timm or Hugging Face weights) so far, not "
                + ModelFamilies.all().stream().filter(f -> f.onnxExporter().isEmpty()).map(ModelFamily::describe).toList());
    }

    /**
     * Exports to a temporary file beside {@link #output}, then moves it there; a failure leaves neither,
     * nor the folders made for it.
     */
    private OnnxExport.Result write(Writing writing) throws IOException {
        Path target = output.toAbsolutePath();
        Path made = target.getParent();
        while (made.getParent() != null && !Files.exists(made.getParent())) {
            made = made.getParent();
        }
        made = Files.exists(made) ? null : made;
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".partial");
        boolean done = false;
        try {
            OnnxExport.Result result = writing.to(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            return result;
        } finally {
            Files.deleteIfExists(tmp);
            for (Path d = target.getParent(); !done && made != null && d != null && d.startsWith(made); d = d.getParent()) {
                Files.deleteIfExists(d); // empty: only what was made here
            }
        }
    }
}
