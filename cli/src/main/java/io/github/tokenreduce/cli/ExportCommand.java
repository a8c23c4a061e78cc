package io.github.tokenreduce.cli;

import ai.djl.Device;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitConfig;
import io.github.tokenreduce.djl.vit.VitLoader;
import io.github.tokenreduce.djl.vit.VitModel;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.vit.VitOnnxExport;
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
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tokenreduce export}: one self-contained ONNX graph of a ViT/DeiT classifier with its
 * reduction inside ({@link VitOnnxExport}). The model, method and schedule are checked first
 * ({@link ExportableReduction}); the graph is written to a temporary file beside the output, run in
 * ONNX Runtime and compared with the eager path, and only then moved to its name — a failure leaves
 * no file.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a ViT/DeiT classifier with its token reduction inside as one ONNX graph (opset 17, "
            + "batch dynamic, each layer's count fixed): inputs pixels [batch, 3, S, S]; outputs logits, features and "
            + "tokens_per_layer. Reduced by --method/--level (tome or crossget, r) or --spec (also one r per layer or a "
            + "keep ratio); neither: unreduced.",
            "The file is run in ONNX Runtime and checked against the eager model before the command succeeds; a model, "
                + "method or schedule the graph cannot express is refused before anything is written. See docs/export.md."})
public final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A ViT/DeiT folder or weights file (timm or Hugging "
            + "Face naming; geometry from its config.json).")
    String model;

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
        Path weights = vitModel(model);
        ReducerSpec s = reduction.spec(null);
        VitConfig config;
        try (VitModel vit = VitModel.load(weights, Device.cpu())) {
            config = vit.config();
        }
        if (s != null) {
            ExportableReduction.check(s, config.layers());
        }
        OnnxExport.Result r = write(weights, s == null ? null : TowerReduction.of(s.reducer()));
        PrintWriter out = spec.commandLine().getOut();
        long bytes = Files.size(output);
        out.printf(Locale.ROOT, "wrote %s (%.1f MB, %d bytes)%n", output.toAbsolutePath(), bytes / 1e6, bytes);
        out.printf(Locale.ROOT, "  model: ViT %s, %d px, %d layers x %d wide%n", weights, config.imageSize(),
                config.layers(), config.width());
        out.printf(Locale.ROOT, "  reduction: %s%n", s == null ? "none" : s.toJson());
        out.printf(Locale.ROOT, "  tokens per layer: %s (of %d)%n", Arrays.toString(r.tokensPerLayer()),
                config.tokens());
        out.printf(Locale.ROOT, "  checked in ONNX Runtime: within %.1e of the eager logits and features%n",
                r.maxDifference());
        out.flush();
        return 0;
    }

    /** The path of a ViT/DeiT model; any other model is refused, naming what it is. */
    private static Path vitModel(String arg) throws IOException {
        BundledEncoder b = ModelArgs.bundled(arg);
        String lower = arg.toLowerCase(Locale.ROOT);
        String seen;
        Path p = null;
        if (b != null) {
            seen = "the bundled sentence encoder " + b;
        } else if (lower.equals("random-clip") || lower.equals("random-blip")) {
            seen = "a random-weight benchmark model";
        } else {
            p = Path.of(arg);
            ModelArgs.Kind k = ModelArgs.kind(p);
            if (k == ModelArgs.Kind.VIT) {
                return p;
            }
            seen = "a " + k + " model";
        }
        throw new IllegalArgumentException("model: " + arg + " is " + seen + "; export writes ViT/DeiT image classifiers "
                + "(timm or Hugging Face weights) so far, not CLIP, BLIP, ViLT or the sentence encoders");
    }

    /**
     * Exports to a temporary file beside {@link #output}, then moves it there; a failure leaves neither,
     * nor the folders made for it.
     */
    private OnnxExport.Result write(Path weights, TowerReduction r) throws IOException {
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
            OnnxExport.Result result = VitOnnxExport.export(weights, VitLoader.Overrides.NONE, r, tmp);
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
