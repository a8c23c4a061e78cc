package io.github.tokenreduce.cli.workload;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OrtException;
import io.github.tokenreduce.cli.measure.Flops;
import io.github.tokenreduce.cli.text.OrtSentenceEncoder;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.ChunkBatches;
import io.github.tokenreduce.djl.bert.TextChunker;
import io.github.tokenreduce.djl.bert.TextChunk;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A bundled BERT sentence encoder embedding documents (batches of 16, length-bucketed), with
 * ONNX Runtime Java on the same file as the peer.
 */
public final class TextWorkload implements Workload {

    private final BundledEncoder bundled;
    private final SentenceEncoder owner;
    private final SentenceEncoder encoder;
    private final PrecisionViews<SentenceEncoder> precisions;
    private final OrtSentenceEncoder ort;
    private final List<TextChunk> chunks;
    private final int batch;
    private final int texts;
    private final List<OnnxRuntimeSentenceEncoder> graphs = new java.util.concurrent.CopyOnWriteArrayList<>();

    private TextWorkload(BundledEncoder bundled, SentenceEncoder encoder, OrtSentenceEncoder ort, List<String> docs,
            int batch) {
        this.bundled = bundled;
        this.owner = encoder;
        this.encoder = encoder.withBatchSize(batch);
        this.precisions = new PrecisionViews<>(this.encoder, this.encoder::withPrecision);
        this.ort = ort;
        this.chunks = encoder.chunker().chunk(docs);
        this.batch = batch;
        this.texts = docs.size();
    }

    /** {@code model} on {@code docs} (prefixed as a passage), with an ONNX Runtime peer. */
    public static TextWorkload of(BundledEncoder model, List<String> docs, int batch) throws IOException {
        SentenceEncoder e = model.load(Device.cpu());
        try {
            List<String> prefixed = new ArrayList<>();
            for (String d : docs) {
                prefixed.add(model.passagePrefix() + d);
            }
            return new TextWorkload(model, e, OrtSentenceEncoder.open(model, 0), prefixed, batch);
        } catch (OrtException ex) {
            e.close();
            throw new IOException("cannot open " + model.modelName() + " in ONNX Runtime", ex);
        }
    }

    @Override
    public String describe() {
        return String.format("%s (%d layers × %d), %d documents (%d chunks), batch %d, length-bucketed",
                bundled.modelName(), encoder.config().layers(), encoder.config().width(), texts, chunks.size(), batch);
    }

    @Override
    public String unit() {
        return "documents";
    }

    @Override
    public int items() {
        return texts;
    }

    @Override
    public List<String> methods() {
        return Levels.METHODS;
    }

    @Override
    public List<Double> defaultLevels() {
        return List.of(0.9, 0.8, 0.7);
    }

    @Override
    public Schedule schedule(String method, double level) {
        return Levels.textSchedule(level);
    }


    @Override
    public boolean proportionalAttention() {
        return false;
    }

    @Override
    public Forward prepare(TokenReducer reducer, Precision precision) {
        SentenceEncoder p = precisions.get(precision);
        SentenceEncoder e = reducer == null ? p : p.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(reducer));
        return forward(() -> pass(e, chunks, batch), e::pool);
    }

    /**
     * The model with {@code reducer} exported as one graph over the default length buckets
     * ({@code SentenceEncoderOnnxExport}) that this workload's chunks fall in (each chunk runs in the same
     * bucket as with all of them; the others would only lengthen the export) in {@code precision} (fp32,
     * int8) and run by ONNX Runtime on the same chunks.
     *
     * @throws UnsupportedOperationException for a method the graph cannot hold (MADTP: counts per text)
     */
    @Override
    public Optional<Forward> exported(TokenReducer reducer, Precision precision) {
        TowerReduction r = reducer == null ? null : TowerReduction.of(reducer);
        SentenceEncoderOnnxExport.eagerReduction(r); // refuses MADTP before anything is loaded
        OnnxRuntimeSentenceEncoder graph;
        try {
            graph = OnnxRuntimeSentenceEncoder.open(bundled, r, precision, bucketsUsed(), batch);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot export " + bundled.modelName() + ": " + e.getMessage(), e);
        }
        graphs.add(graph);
        return Optional.of(exported(graph));
    }

    /** The default buckets that hold this workload's chunks: for each chunk the smallest that fits it. */
    private int[] bucketsUsed() {
        int[] all = SentenceEncoderOnnxExport.DEFAULT_LENGTHS;
        return chunks.stream().mapToInt(c -> OnnxRuntimeSentenceEncoder.bucket(all, c.ids().length))
                .map(b -> b < 0 ? all[all.length - 1] : b).distinct().sorted().toArray();
    }

    /**
     * A forward over the same chunks on {@code graph}, an exported encoder the caller opened and
     * closes (its FLOPs those of the padded buckets it ran, its outputs the texts' embeddings).
     */
    public Forward exported(OnnxRuntimeSentenceEncoder graph) {
        int width = encoder.config().width();
        int inter = encoder.config().intermediate();
        return forward(() -> {
            OnnxRuntimeSentenceEncoder.Pooled p = graph.poolCounting(chunks);
            double flops = 0;
            for (OnnxRuntimeSentenceEncoder.Batch b : p.batches()) {
                flops += Flops.stack(b.size(), b.length(), b.tokensPerLayer(), width, inter);
            }
            return new Pass(flops, p.batches().get(p.batches().size() - 1).tokensPerLayer());
        }, graph::pool);
    }

    /**
     * A forward that runs {@code pass} over the chunks (its FLOPs summed over the batches of the last
     * run) and whose outputs are the chunks pooled by {@code pool}, combined per text.
     */
    private Forward forward(java.util.function.Supplier<Pass> pass,
            java.util.function.Function<List<TextChunk>, float[][]> pool) {
        return new Forward() {
            private double flops;

            @Override
            public int[] run() {
                Pass p = pass.get();
                flops = p.flops();
                return p.lastTokens();
            }

            @Override
            public float[][] outputs() {
                return TextChunker.combine(texts, chunks, pool.apply(chunks));
            }

            @Override
            public double flops(int[] tokensPerLayer) {
                return flops;
            }
        };
    }

    /** FLOPs of one pass, and the tokens after each layer in its last batch. */
    public record Pass(double flops, int[] lastTokens) {}

    /** One pass of {@code e} over {@code chunks} in length buckets of {@code batch}. */
    public static Pass pass(SentenceEncoder e, List<TextChunk> chunks, int batch) {
        int[] last = null;
        double total = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (List<Integer> bucket : ChunkBatches.buckets(chunks, batch)) {
                List<long[]> rows = new ArrayList<>();
                for (int k : bucket) {
                    rows.add(chunks.get(k).ids());
                }
                TextBatch b = TextBatch.padded(rows);
                SentenceEncoder.Encoded out = e.encode(m, b);
                out.pooled().close();
                total += Flops.stack(b.batch(), b.length(), out.tokensPerLayer(), e.config().width(),
                        e.config().intermediate());
                last = out.tokensPerLayer();
            }
        }
        return new Pass(total, last);
    }

    @Override
    public Optional<Runnable> peer() {
        return Optional.of(() -> {
            try {
                ort.pool(chunks, batch);
            } catch (OrtException ex) {
                throw new IllegalStateException(ex);
            }
        });
    }

    @Override
    public void close() {
        graphs.forEach(OnnxRuntimeSentenceEncoder::close);
        try {
            ort.close();
        } catch (OrtException ignored) {
            // nothing held that matters at exit
        }
        owner.close();
    }
}
