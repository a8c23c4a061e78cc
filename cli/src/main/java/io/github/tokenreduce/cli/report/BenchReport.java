package io.github.tokenreduce.cli.report;

import io.github.tokenreduce.cli.workload.BenchRunner;
import io.github.tokenreduce.djl.nn.Precision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code report.md} and charts for {@code tokenreduce bench}: one section per workload. */
public final class BenchReport {

    private BenchReport() {}

    /** Markdown for the results. */
    public static String markdown(List<BenchRunner.Result> results, String header) {
        StringBuilder sb = new StringBuilder("# tokenreduce bench\n\n").append(header).append("\n\n");
        int i = 0;
        for (BenchRunner.Result r : results) {
            sb.append("## ").append(r.workload()).append("\n\n");
            sb.append(String.format(Locale.ROOT, "Resident with the model loaded: %d MB. The first unreduced forward "
                    + "raised the peak by %d MB (its working set above the weights and inputs).%n%n",
                    r.loadedRssBytes() >> 20, r.workingSetBytes() >> 20));
            boolean ort = r.rows().stream().anyMatch(row -> row.engine().equals(BenchRunner.ONNXRUNTIME));
            boolean low = ort || r.rows().stream().anyMatch(row -> row.precision() != Precision.FP32);
            if (ort) {
                sb.append("\"onnxruntime\" rows run the same configuration as one exported ONNX graph (tokenreduce "
                        + "export) in ONNX Runtime on the same images; their \"of ideal\" is over onnxruntime "
                        + "unreduced, and \"vs fp32\" compares their outputs with the eager float32 configuration.\n\n");
            }
            if (low) {
                sb.append("× unreduced is over the float32 unreduced forward; \"of ideal\" relates a configuration's "
                        + "speed-up over the unreduced forward at its own precision to the FLOPs-ideal one; \"vs fp32\" "
                        + "compares its outputs with the float32 configuration of the same method and level (smallest and "
                        + "mean cosine over output rows, largest absolute difference, whether every layer kept as many "
                        + "tokens).\n\n");
            }
            sb.append("| configuration | median s | range s | ").append(r.unit()).append("/s | × unreduced | ")
                    .append(r.peer() == null ? "" : "× " + r.peer().label() + " | ")
                    .append("GFLOP | FLOPs-ideal × | of ideal | peak RSS | growth in a run | faults/run | ")
                    .append(low ? "vs fp32 | " : "").append("tokens after each layer |\n");
            sb.append("|---|---|---|---|---|").append(r.peer() == null ? "" : "---|").append(low ? "---|" : "")
                    .append("---|---|---|---|---|---|---|\n");
            for (BenchRunner.Row row : r.rows()) {
                sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f–%.3f | %.2f | %.2f | ", row.label(),
                        row.medianSeconds(), row.minSeconds(), row.maxSeconds(), row.itemsPerSecond(), row.speedup()));
                if (r.peer() != null) {
                    sb.append(String.format(Locale.ROOT, "%.2f | ", row.vsPeer()));
                }
                sb.append(String.format(Locale.ROOT, "%.1f | %.2f | %.0f%% | %d MB | %d MB | %.0f | ", row.gflops(),
                        row.flopsIdeal(), 100 * row.efficiency(), row.peakRssBytes() >> 20, row.peakGrowthBytes() >> 20,
                        row.faultsPerRun()));
                if (low) {
                    BenchRunner.Fidelity f = row.vsFp32();
                    sb.append(f == null ? "– | " : String.format(Locale.ROOT, "%.5f / %.5f / %.2g / %s | ",
                            f.minCosine(), f.meanCosine(), f.maxAbsError(), f.sameTokens() ? "same" : "differ"));
                }
                sb.append(Arrays.toString(row.tokensPerLayer())).append(" |\n");
            }
            if (r.peer() != null) {
                BenchRunner.Row p = r.peer();
                sb.append(String.format(Locale.ROOT, "| %s (peer) | %.3f | %.3f–%.3f | %.2f | %.2f | 1.00 | – | – | – | %d MB | %d MB | %.0f | %s– |%n",
                        p.label(), p.medianSeconds(), p.minSeconds(), p.maxSeconds(), p.itemsPerSecond(), p.speedup(),
                        p.peakRssBytes() >> 20, p.peakGrowthBytes() >> 20, p.faultsPerRun(), low ? "– | " : ""));
            }
            sb.append(String.format("%n![throughput](bench-%d-throughput.png) ![tokens](bench-%d-tokens.png)%n%n", i, i));
            i++;
        }
        return sb.toString();
    }

    /** Per workload: throughput against level per method, and tokens after each layer per configuration. */
    public static void charts(List<BenchRunner.Result> results, Path dir) throws IOException {
        Files.createDirectories(dir);
        int i = 0;
        for (BenchRunner.Result r : results) {
            Map<String, List<BenchRunner.Row>> byMethod = new LinkedHashMap<>();
            for (BenchRunner.Row row : r.rows()) {
                if (!row.method().equals("unreduced")) {
                    String series = row.engine().equals(BenchRunner.PYTORCH) ? row.method()
                            : row.engine() + " " + row.method();
                    byMethod.computeIfAbsent(series, k -> new ArrayList<>()).add(row);
                }
            }
            List<Charts.Series> speed = new ArrayList<>();
            BenchRunner.Row base = r.rows().get(0);
            double baseX = byMethod.values().stream().flatMap(List::stream).allMatch(row -> row.level() <= 1) ? 1 : 0;
            for (Map.Entry<String, List<BenchRunner.Row>> e : byMethod.entrySet()) {
                List<Double> x = new ArrayList<>(List.of(baseX));
                List<Double> y = new ArrayList<>(List.of(base.itemsPerSecond()));
                for (BenchRunner.Row row : e.getValue()) {
                    x.add(row.level());
                    y.add(row.itemsPerSecond());
                }
                speed.add(new Charts.Series(e.getKey(), x, y));
            }
            if (r.peer() != null) {
                double top = r.rows().stream().skip(1).mapToDouble(BenchRunner.Row::level).min().orElse(1);
                speed.add(new Charts.Series(r.peer().label(), List.of(Math.min(baseX, top), Math.max(baseX, top)),
                        List.of(r.peer().itemsPerSecond(), r.peer().itemsPerSecond())));
            }
            Charts.xy(dir.resolve("bench-" + i + "-throughput.png"), "Throughput: " + shorten(r.workload()),
                    "reduction level (r, 0 = unreduced; or share kept per layer, 1 = unreduced)", r.unit() + " / s", speed, true);
            List<Charts.Series> tokens = new ArrayList<>();
            for (BenchRunner.Row row : r.rows()) {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (int l = 0; l < row.tokensPerLayer().length; l++) {
                    x.add((double) l);
                    y.add((double) row.tokensPerLayer()[l]);
                }
                tokens.add(new Charts.Series(row.label(), x, y));
            }
            Charts.xy(dir.resolve("bench-" + i + "-tokens.png"), "Tokens after each layer: " + shorten(r.workload()),
                    "layer", "tokens", tokens, true);
            i++;
        }
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
