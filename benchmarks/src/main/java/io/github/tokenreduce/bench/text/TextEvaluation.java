package io.github.tokenreduce.bench.text;

import ai.djl.Device;
import ai.onnxruntime.OrtException;
import io.github.tokenreduce.cli.eval.ItemScores;
import io.github.tokenreduce.cli.measure.Interleaved;
import io.github.tokenreduce.cli.text.OrtSentenceEncoder;
import io.github.tokenreduce.cli.text.TextTask;
import io.github.tokenreduce.cli.workload.TextWorkload;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.TextChunk;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.site.Site;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The speed-versus-accuracy frontier of the text methods on real data, for one bundled model: each
 * {@link TextConfig}'s per-item scores on every {@link TextTask}, its FLOPs-ideal speed-up on the
 * timing documents and, when rounds &gt; 0, its throughput on them (batch 16, length-bucketed),
 * timed interleaved in one run with the unreduced model and ONNX Runtime Java on the same file.
 */
public final class TextEvaluation {

    /** Measured throughput of one configuration. */
    public record Timing(double docsPerSecond, double low, double high, double vsUnreduced, double vsOrt,
            long peakRss, double faultsPerRun) {}

    /** One configuration's results; {@code timing} null when not timed. */
    public record Row(TextConfig config, Map<String, ItemScores> scores, double flopsIdeal, Timing timing) {}

    /**
     * One model's results.
     *
     * @param metrics every figure, in column order
     * @param ortDocsPerSecond ONNX Runtime's throughput (NaN when not timed)
     */
    public record Result(BundledEncoder model, List<String> metrics, List<Row> rows, double ortDocsPerSecond,
            int speedDocs, int batch) {}

    /** What is timed: the first {@code docs} documents of {@code task}, in batches of {@code batch}. */
    public record Speed(TextTask task, int docs, int batch, int warmup, int rounds) {}

    /** Reports each finished step. */
    public interface Progress {
        void done(String what);
    }

    private TextEvaluation() {}

    /**
     * How a configuration runs: its embedding and pooling calls, and the eager model whose FLOPs
     * stand for it (the exported graph's are those of the eager model with the graph's counts).
     */
    private record Runner(Function<List<String>, float[][]> embed, Function<List<TextChunk>, float[][]> pool,
            SentenceEncoder flops) {}

    /** Evaluates {@code model} over {@code configs} (the first must be the unreduced model). */
    public static Result run(BundledEncoder model, List<TextTask> tasks, List<TextConfig> configs, Speed speed,
            Progress progress) throws IOException, OrtException {
        if (configs.isEmpty() || configs.get(0).reducer() != null || configs.get(0).precision() != Precision.FP32) {
            throw new IllegalArgumentException("configs: the first configuration must be the unreduced float32 model");
        }
        List<String> docs = speed.task().documents(model);
        docs = docs.subList(0, Math.min(speed.docs(), docs.size()));
        List<OnnxRuntimeSentenceEncoder> sessions = new ArrayList<>();
        try (SentenceEncoder base = model.load(Device.cpu()).withBatchSize(speed.batch())) {
            List<TextChunk> chunks = base.chunker().chunk(docs);
            Map<Precision, SentenceEncoder> inPrecision = new EnumMap<>(Precision.class);
            Map<TextConfig, Runner> encoders = new LinkedHashMap<>();
            for (TextConfig c : configs) {
                if (c.exported()) {
                    OnnxRuntimeSentenceEncoder ort = OnnxRuntimeSentenceEncoder.open(model,
                            c.reducer() == null ? null : c.reduction(), c.precision(),
                            SentenceEncoderOnnxExport.DEFAULT_LENGTHS, speed.batch());
                    sessions.add(ort);
                    TowerReduction graphCounts = SentenceEncoderOnnxExport.eagerReduction(
                            c.reducer() == null ? null : c.reduction());
                    encoders.put(c, new Runner(ort::embed, ort::pool, graphCounts == null ? base
                            : base.withReduction(Site.TEXT_BLOCKS, graphCounts)));
                    progress.done(c.label() + " exported");
                    continue;
                }
                SentenceEncoder p = inPrecision.computeIfAbsent(c.precision(), base::withPrecision);
                SentenceEncoder e = c.reducer() == null ? p : p.withReduction(Site.TEXT_BLOCKS, c.reduction());
                encoders.put(c, new Runner(e::embed, e::pool, e));
            }
            Map<String, Timing> timing = new HashMap<>();
            double ortRate = Double.NaN;
            if (speed.rounds() > 0) {
                ortRate = time(model, configs, encoders, chunks, speed, timing);
                progress.done("timing");
            }
            double unreducedFlops = TextWorkload.pass(base, chunks, speed.batch()).flops();
            List<String> metrics = new ArrayList<>();
            for (TextTask t : tasks) {
                metrics.addAll(t.metrics());
            }
            List<Row> rows = new ArrayList<>();
            for (TextConfig c : configs) {
                Runner e = encoders.get(c);
                Function<List<String>, float[][]> embed = memo(e.embed());
                Map<String, ItemScores> scores = new LinkedHashMap<>();
                for (TextTask t : tasks) {
                    scores.putAll(t.measure(model, embed));
                }
                double flops = unreducedFlops / TextWorkload.pass(e.flops(), chunks, speed.batch()).flops();
                rows.add(new Row(c, scores, flops, timing.get(c.label())));
                progress.done(c.label());
            }
            return new Result(model, metrics, rows, ortRate, docs.size(), speed.batch());
        } finally {
            sessions.forEach(OnnxRuntimeSentenceEncoder::close);
        }
    }

    private static double time(BundledEncoder model, List<TextConfig> configs, Map<TextConfig, Runner> encoders,
            List<TextChunk> chunks, Speed speed, Map<String, Timing> out) throws IOException, OrtException {
        try (OrtSentenceEncoder ort = OrtSentenceEncoder.open(model, 0)) {
            List<Interleaved.Contender> contenders = new ArrayList<>();
            for (TextConfig c : configs) {
                Runner e = encoders.get(c);
                contenders.add(new Interleaved.Contender(c.label(), () -> e.pool().apply(chunks)));
            }
            contenders.add(new Interleaved.Contender("onnxruntime", () -> {
                try {
                    ort.pool(chunks, speed.batch());
                } catch (OrtException ex) {
                    throw new IllegalStateException(ex);
                }
            }));
            Map<String, Interleaved.Timing> t = Interleaved.run(contenders, speed.warmup(), speed.rounds(), 42,
                    Interleaved.ProgressListener.NONE);
            double unreduced = t.get(configs.get(0).label()).median();
            double ortTime = t.get("onnxruntime").median();
            int n = chunks.stream().mapToInt(TextChunk::text).max().orElse(-1) + 1;
            for (TextConfig c : configs) {
                Interleaved.Timing x = t.get(c.label());
                out.put(c.label(), new Timing(n / x.median(), n / x.max(), n / x.min(), unreduced / x.median(),
                        ortTime / x.median(), x.peakRssBytes(), x.faultsPerRun()));
            }
            return n / ortTime;
        }
    }

    /** {@code embed} embedding each distinct text once (tasks sharing passages share their vectors). */
    static Function<List<String>, float[][]> memo(Function<List<String>, float[][]> embed) {
        Map<String, float[]> cache = new HashMap<>();
        return texts -> {
            List<String> missing = texts.stream().distinct().filter(s -> !cache.containsKey(s)).toList();
            if (!missing.isEmpty()) {
                float[][] v = embed.apply(missing);
                for (int i = 0; i < v.length; i++) {
                    cache.put(missing.get(i), v[i]);
                }
            }
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = cache.get(texts.get(i));
            }
            return out;
        };
    }
}
