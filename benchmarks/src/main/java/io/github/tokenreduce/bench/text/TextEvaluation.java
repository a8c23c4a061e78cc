package io.github.tokenreduce.bench.text;

import ai.djl.Device;
import ai.onnxruntime.OrtException;
import io.github.tokenreduce.bench.report.Interleaved;
import io.github.tokenreduce.bench.workload.TextWorkload;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The speed-versus-accuracy frontier of every text method on the real data: for one bundled model,
 * each {@link TextConfig}'s scores ({@link TextTasks}) and its throughput on Cranfield documents
 * (batch 16, length-bucketed), timed interleaved in one run with the unreduced model and with ONNX
 * Runtime Java on the same file, with its FLOPs-ideal speed-up, peak memory and page faults.
 */
public final class TextEvaluation {

    /** One configuration's results. */
    public record Row(TextConfig config, TextTasks.Scores scores, double docsPerSecond, double low, double high,
            double vsUnreduced, double vsOrt, double flopsIdeal, long peakRss, double faultsPerRun) {}

    /** One model's results, with ONNX Runtime's throughput. */
    public record Result(BundledEncoder model, List<Row> rows, double ortDocsPerSecond, int speedDocs, int batch) {}

    private TextEvaluation() {}

    /**
     * Evaluates {@code model} over {@code configs}.
     *
     * @param speedDocs Cranfield documents in each timed pass
     */
    public static Result run(BundledEncoder model, TextTasks tasks, List<TextConfig> configs, int speedDocs,
            int batch, int warmup, int rounds, Interleaved.ProgressListener progress) throws IOException, OrtException {
        List<String> docs = new ArrayList<>();
        for (String d : tasks.cranfield().docs().values()) {
            docs.add(model.passagePrefix() + d);
        }
        docs = docs.subList(0, Math.min(speedDocs, docs.size()));
        try (SentenceEncoder base = model.load(Device.cpu()).withBatchSize(batch);
                OrtSentenceEncoder ort = OrtSentenceEncoder.open(model, 0)) {
            List<SentenceEncoder.Chunk> chunks = base.chunk(docs);
            Map<TextConfig, SentenceEncoder> encoders = new LinkedHashMap<>();
            List<Interleaved.Contender> contenders = new ArrayList<>();
            for (TextConfig c : configs) {
                SentenceEncoder e = c.reducer() == null ? base
                        : base.withReduction(Tower.TEXT, TowerReduction.of(c.reducer()));
                encoders.put(c, e);
                contenders.add(new Interleaved.Contender(c.label(), () -> e.pool(chunks)));
            }
            contenders.add(new Interleaved.Contender("onnxruntime", () -> {
                try {
                    ort.pool(chunks, batch);
                } catch (OrtException ex) {
                    throw new IllegalStateException(ex);
                }
            }));
            Map<String, Interleaved.Timing> timing = Interleaved.run(contenders, warmup, rounds, 42, progress);
            double unreducedTime = timing.get(configs.get(0).label()).median();
            double ortTime = timing.get("onnxruntime").median();
            double unreducedFlops = TextWorkload.pass(base, chunks, batch).flops();
            List<Row> rows = new ArrayList<>();
            for (TextConfig c : configs) {
                SentenceEncoder e = encoders.get(c);
                Interleaved.Timing t = timing.get(c.label());
                TextTasks.Scores s = tasks.score(model, e::embed);
                progress.step();
                rows.add(new Row(c, s, docs.size() / t.median(), docs.size() / t.max(), docs.size() / t.min(),
                        unreducedTime / t.median(), ortTime / t.median(), unreducedFlops / TextWorkload.pass(e, chunks, batch).flops(),
                        t.peakRssBytes(), t.faultsPerRun()));
            }
            return new Result(model, rows, docs.size() / ortTime, docs.size(), batch);
        }
    }
}
