package io.github.tokenreduce.bench.text;

import io.github.tokenreduce.bench.report.Charts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes the text frontier as Markdown tables and speed-versus-accuracy PNG charts. */
public final class TextReport {

    private TextReport() {}

    /** Markdown for the results (one table per model). */
    public static String markdown(List<TextEvaluation.Result> results) {
        StringBuilder sb = new StringBuilder();
        for (TextEvaluation.Result r : results) {
            sb.append("### ").append(r.model().modelName()).append("\n\n");
            sb.append(String.format(Locale.ROOT, "Throughput on %d Cranfield documents, batch %d, length-bucketed; "
                    + "ONNX Runtime Java on the same file: %.1f docs/s.%n%n", r.speedDocs(), r.batch(), r.ortDocsPerSecond()));
            sb.append("| configuration | STS-B ρ | SICK ρ | nDCG@10 | R@100 | docs/s (range) | × unreduced | × ORT | FLOPs-ideal × | peak RSS | faults/pass |\n");
            sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (TextEvaluation.Row row : r.rows()) {
                TextTasks.Scores s = row.scores();
                sb.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.4f | %.1f (%.1f–%.1f) | %.2f | %.2f | %.2f | %d MB | %.0f |%n",
                        row.config().label(), s.stsb(), s.sick(), s.ndcg10(), s.recall100(), row.docsPerSecond(), row.low(),
                        row.high(), row.vsUnreduced(), row.vsOrt(), row.flopsIdeal(), row.peakRss() >> 20, row.faultsPerRun()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Two charts: nDCG@10 and mean Spearman (STS-B, SICK) against throughput as a multiple of the
     * unreduced model, one series per model and method.
     */
    public static void charts(List<TextEvaluation.Result> results, Path ndcgPng, Path spearmanPng) throws IOException {
        List<Charts.Series> ndcg = new ArrayList<>();
        List<Charts.Series> rho = new ArrayList<>();
        for (TextEvaluation.Result r : results) {
            Map<String, List<TextEvaluation.Row>> byMethod = new LinkedHashMap<>();
            TextEvaluation.Row base = r.rows().get(0);
            for (TextEvaluation.Row row : r.rows()) {
                if (row.config().reducer() != null) {
                    byMethod.computeIfAbsent(row.config().method(), k -> new ArrayList<>(List.of(base))).add(row);
                }
            }
            for (Map.Entry<String, List<TextEvaluation.Row>> e : byMethod.entrySet()) {
                String name = r.model().modelName() + " " + e.getKey();
                List<Double> x = e.getValue().stream().map(TextEvaluation.Row::vsUnreduced).toList();
                ndcg.add(new Charts.Series(name, x, e.getValue().stream().map(w -> w.scores().ndcg10()).toList()));
                rho.add(new Charts.Series(name, x,
                        e.getValue().stream().map(w -> (w.scores().stsb() + w.scores().sick()) / 2).toList()));
            }
        }
        Charts.xy(ndcgPng, "Cranfield nDCG@10 vs throughput", "throughput × unreduced (Cranfield docs, batch 16)",
                "nDCG@10", ndcg, true);
        Charts.xy(spearmanPng, "Mean Spearman (STS-B dev, SICK) vs throughput",
                "throughput × unreduced (Cranfield docs, batch 16)", "Spearman ρ", rho, true);
    }

    /** Writes {@code text} to {@code file}, creating its folder. */
    public static void write(Path file, String text) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, text);
    }
}
