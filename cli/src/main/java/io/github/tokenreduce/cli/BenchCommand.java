package io.github.tokenreduce.cli;

import io.github.tokenreduce.cli.report.BenchJson;
import io.github.tokenreduce.cli.report.BenchReport;
import io.github.tokenreduce.cli.workload.BenchRunner;
import io.github.tokenreduce.cli.workload.Workload;
import io.github.tokenreduce.djl.nn.CpuFeatures;
import io.github.tokenreduce.djl.nn.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code tokenreduce bench}: throughput of every method and level against the unreduced model and a peer. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Times a model unreduced and with each method at each reduction level, interleaved in one run "
                + "with warm-up and randomised order; reports median and range, throughput, speed-up, FLOPs and the "
                + "FLOPs-ideal speed-up, peak memory and page faults, with ONNX Runtime Java as a peer for the "
                + "sentence encoders; with --engines pytorch,onnxruntime a ViT or CLIP also runs each configuration as its "
                + "exported ONNX graph in ONNX Runtime. Writes report.md, results.json and PNG charts."})
public final class BenchCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Mixin
    ImageOptions imageOptions;

    @Parameters(arity = "0..*", paramLabel = "MODEL", description = {"Model folders/files (CLIP, BLIP, ViT), bundled "
            + "encoders (all-minilm-l6-v2, bge-small-en-v1.5, e5-small-v2), random-clip or random-blip.",
        "Default: random-clip random-blip all-minilm-l6-v2."})
    List<String> models = new ArrayList<>();

    @Option(names = "--methods", split = ",", description = "Methods to run (default: all that apply).")
    List<String> methods;

    @Option(names = "--levels", split = ",", description = "Reduction levels: r for vision, share kept per layer for text "
            + "(default per model).")
    List<Double> levels;

    @Option(names = "--batch", description = "Batch size (default: 8 images, 2 BLIP pairs, 16 documents).")
    Integer batch;

    @Option(names = "--rounds", defaultValue = "7", description = "Timed rounds (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed rounds first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--docs", defaultValue = "32", description = "Cranfield documents per text forward (default ${DEFAULT-VALUE}).")
    int docs;

    @Option(names = "--data", defaultValue = "../shared/data", description = "The shared data folder (Cranfield texts).")
    Path data;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the round order.")
    long seed;

    @Option(names = "--precisions", split = ",", defaultValue = "fp32,auto", converter = PrecisionConverter.class,
            description = "Precisions of the linear layers to time (fp32, bf16, int8, auto); float32 always runs as the "
                    + "reference (default ${DEFAULT-VALUE}: auto is bf16 where the CPU has bfloat16 instructions).")
    List<Precision> precisions;

    @Option(names = "--engines", split = ",", defaultValue = "pytorch",
            description = "Engines to time: pytorch, and onnxruntime to run each float32 and int8 configuration also as "
                    + "the exported ONNX graph in ONNX Runtime (ViT/DeiT, the CLIP image tower, BLIP's "
                    + "image-text matching in float32; see tokenreduce "
                    + "export); pytorch always "
                    + "runs as the reference (default ${DEFAULT-VALUE}).")
    List<String> engines;

    @Override
    public Integer call() throws Exception {
        common.apply();
        for (String e : engines) {
            if (!e.equals(BenchRunner.PYTORCH) && !e.equals(BenchRunner.ONNXRUNTIME)) {
                throw new IllegalArgumentException("--engines: expected pytorch or onnxruntime but got '" + e + "'");
            }
        }
        boolean onnx = engines.contains(BenchRunner.ONNXRUNTIME);
        if (rounds < 1 || warmup < 0 || docs < 1) {
            throw new IllegalArgumentException("--rounds must be >= 1, --warmup >= 0 and --docs >= 1; got " + rounds
                    + ", " + warmup + ", " + docs);
        }
        List<String> names = models.isEmpty() ? List.of("random-clip", "random-blip", "all-minilm-l6-v2") : models;
        List<BenchRunner.Result> results = new ArrayList<>();
        for (String name : names) {
            try (Workload w = ModelArgs.workload(name, common.device(), batch, data, docs, imageOptions.images)) {
                List<String> ms = methods == null ? w.defaultMethods() : methods;
                List<Double> ls = levels == null ? w.defaultLevels() : levels;
                List<Precision> ps = Precision.resolveAll(precisions, common.device());
                long steps = (long) (warmup + rounds) * ((ps.size() + (onnx ? 1 : 0)) * (1 + ms.size() * ls.size())
                        + (w.peer().isPresent() ? 1 : 0));
                if (!common.quiet) {
                    System.err.println(w.describe());
                }
                BenchRunner.Result r;
                try (Progress p = new Progress(name, steps, common.quiet)) {
                    r = BenchRunner.run(w, ms, ls, ps, onnx, warmup, rounds, seed, p);
                }
                if (onnx && r.rows().stream().noneMatch(row -> row.engine().equals(BenchRunner.ONNXRUNTIME))) {
                    System.err.println("tokenreduce bench: " + name + " has no ONNX export (ViT/DeiT, CLIP, BLIP and "
                            + "the sentence encoders have); only its PyTorch configurations" + (w.peer().isPresent() ? " and peer" : "") + " ran");
                }
                results.add(r);
            }
        }
        Files.createDirectories(common.out);
        String header = String.format("Measured %s on %s, %s (%d cores, Java %s, %s), %d warm-up + %d timed rounds, "
                        + "interleaved in random order.",
                LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16),
                CpuFeatures.current().model(), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                common.device().toString(), warmup, rounds);
        String md = BenchReport.markdown(results, header);
        Files.writeString(common.out.resolve("report.md"), md);
        Files.writeString(common.out.resolve("results.json"), BenchJson.write(results, header));
        BenchReport.charts(results, common.out);
        if (!common.quiet) {
            System.out.println(md);
            System.out.println("report: " + common.out.resolve("report.md").toAbsolutePath());
        }
        return 0;
    }
}
