package io.github.tokenreduce.cli.report;

import com.google.gson.GsonBuilder;
import io.github.tokenreduce.cli.workload.BenchRunner;
import io.github.tokenreduce.djl.nn.CpuFeatures;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code results.json} beside {@code report.md}: one object per timed configuration, so scripts and CI
 * can compare runs. Fields: {@code model}, {@code engine} ({@code pytorch}, or {@code onnxruntime} for
 * the peer and the exported graphs), {@code precision}, {@code method} ({@code none} unreduced),
 * {@code level}, {@code median_s}, {@code speedup} (over float32 unreduced), {@code vs_peer},
 * {@code flops_ideal}, {@code peak_rss_mb}, {@code faults_per_run}, {@code tokens_per_layer}, and for a
 * low-precision configuration its fidelity to float32 with the same reduction (for an exported graph,
 * to the eager float32 configuration): {@code cosine_vs_fp32} (the smallest over output rows), {@code mean_cosine_vs_fp32},
 * {@code max_abs_error_vs_fp32}, {@code same_tokens_as_fp32}. A field without a value is null, never
 * absent.
 */
public final class BenchJson {

    private BenchJson() {}

    /** The results as pretty-printed JSON, with {@code header} (date, machine, rounds) at the top. */
    public static String write(List<BenchRunner.Result> results, String header) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BenchRunner.Result r : results) {
            for (BenchRunner.Row row : r.rows()) {
                rows.add(row(r, row));
            }
            if (r.peer() != null) {
                rows.add(row(r, r.peer()));
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("measured", header);
        doc.put("cpu", CpuFeatures.current().model());
        doc.put("configurations", rows);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().serializeSpecialFloatingPointValues().create().toJson(doc);
    }

    private static Map<String, Object> row(BenchRunner.Result r, BenchRunner.Row row) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", r.workload());
        o.put("engine", row.engine());
        o.put("precision", row.precision().label());
        boolean reduced = !row.method().equals("unreduced") && !row.method().equals("peer");
        o.put("method", reduced ? row.method() : "none");
        o.put("level", reduced ? row.level() : null);
        o.put("items", r.items());
        o.put("median_s", row.medianSeconds());
        o.put("min_s", row.minSeconds());
        o.put("max_s", row.maxSeconds());
        o.put("speedup", row.speedup());
        o.put("speedup_in_precision", Double.isNaN(row.speedupInPrecision()) ? null : row.speedupInPrecision());
        o.put("vs_peer", Double.isNaN(row.vsPeer()) ? null : row.vsPeer());
        o.put("flops_ideal", Double.isNaN(row.flopsIdeal()) ? null : row.flopsIdeal());
        o.put("peak_rss_mb", row.peakRssBytes() >> 20);
        o.put("faults_per_run", row.faultsPerRun());
        o.put("tokens_per_layer", row.tokensPerLayer());
        BenchRunner.Fidelity f = row.vsFp32();
        o.put("cosine_vs_fp32", f == null ? null : f.minCosine());
        o.put("mean_cosine_vs_fp32", f == null ? null : f.meanCosine());
        o.put("max_abs_error_vs_fp32", f == null ? null : f.maxAbsError());
        o.put("same_tokens_as_fp32", f == null ? null : f.sameTokens());
        return o;
    }
}
