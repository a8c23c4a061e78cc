package io.github.tokenreduce.djl.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.TemporaryGraph;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A bundled sentence encoder with its reduction running on ONNX Runtime: the graph
 * {@link SentenceEncoderOnnxExport} writes (checked against the eager model when opened), fed as
 * {@link SentenceEncoder#embed} feeds the eager one — the same chunks, pooling and averaging — in
 * batches of one length bucket each, so no batch is padded past its bucket. Products in float32 or
 * int8 ({@link Precision#AUTO}: int8). Thread-safe (ONNX Runtime's sessions are); close it to remove
 * the graph.
 */
public final class OnnxRuntimeSentenceEncoder implements AutoCloseable {

    private final SentenceEncoder tokens;
    private final int[] lengths;
    private final TemporaryGraph<OnnxExport.Result> graph;
    private final int batchSize;

    private OnnxRuntimeSentenceEncoder(SentenceEncoder tokens, int[] lengths, TemporaryGraph<OnnxExport.Result> graph,
            int batchSize) {
        this.tokens = tokens;
        this.lengths = lengths;
        this.graph = graph;
        this.batchSize = batchSize;
    }

    /**
     * Exports {@code encoder} with {@code reduction} (null: unreduced) over the bucket lengths
     * {@code lengths} in {@code precision} and opens the graph; texts run in batches of {@code batchSize}.
     */
    public static OnnxRuntimeSentenceEncoder open(BundledEncoder encoder, TowerReduction reduction, Precision precision,
            int[] lengths, int batchSize) throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: must be >= 1 but was " + batchSize);
        }
        Precision p = precision == Precision.AUTO ? Precision.INT8 : precision;
        OnnxExport.int8(p); // refuses bf16 before anything is exported
        SentenceEncoder eager = encoder.load(ai.djl.Device.cpu());
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            int[] buckets = SentenceEncoderOnnxExport.lengths(lengths, eager.config());
            Map<String, NDArray> like = new LinkedHashMap<>();
            like.put("input_ids", m.zeros(new Shape(1, buckets[0]), ai.djl.ndarray.types.DataType.INT64));
            like.put("attention_mask", m.zeros(new Shape(1, buckets[0]), ai.djl.ndarray.types.DataType.INT64));
            return new OnnxRuntimeSentenceEncoder(eager, buckets, TemporaryGraph.export("tokenreduce-"
                    + encoder.modelName() + "-", file -> SentenceEncoderOnnxExport.export(encoder, eager, reduction,
                            buckets, file, p), like), batchSize);
        } catch (IOException | RuntimeException e) {
            eager.close();
            throw e;
        }
    }

    /** What the export wrote and checked (tokens per layer on its example, difference to eager). */
    public OnnxExport.Result export() {
        return graph.result();
    }

    /** How texts are cut into chunks (the eager model's tokenizer). */
    public TextChunker chunker() {
        return tokens.chunker();
    }

    /** The width C of the embeddings. */
    public int width() {
        return tokens.config().width();
    }

    /** The bucket lengths of the graph. */
    public int[] lengths() {
        return lengths.clone();
    }

    /** L2-normalised embeddings [texts][C], chunked and averaged as {@link SentenceEncoder#embed}. */
    public float[][] embed(List<String> texts) {
        List<TextChunk> chunks = tokens.chunker().chunk(texts);
        return TextChunker.combine(texts.size(), chunks, pool(chunks));
    }

    /** Pooled vectors [chunks][C] (not normalised), in batches of one bucket each. */
    public float[][] pool(List<TextChunk> chunks) {
        return poolCounting(chunks).vectors();
    }

    /**
     * One batch the graph ran: its size, its bucket length and the tokens after each layer
     * (padding included), as the graph's {@code tokens_per_layer} gives them.
     */
    public record Batch(int size, int length, int[] tokensPerLayer) {}

    /** Pooled vectors [chunks][C] and the batches that made them. */
    public record Pooled(float[][] vectors, List<Batch> batches) {}

    /** As {@link #pool}, with the batches that ran (for FLOPs and token counts). */
    public Pooled poolCounting(List<TextChunk> chunks) {
        float[][] pooled = new float[chunks.size()][];
        List<Batch> batches = new ArrayList<>();
        TreeMap<Integer, List<Integer>> byBucket = new TreeMap<>();
        for (int i = 0; i < chunks.size(); i++) {
            byBucket.computeIfAbsent(bucket(chunks.get(i).ids().length), k -> new ArrayList<>()).add(i);
        }
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            for (Map.Entry<Integer, List<Integer>> e : byBucket.entrySet()) {
                List<Integer> members = e.getValue();
                for (int from = 0; from < members.size(); from += batchSize) {
                    List<Integer> batch = members.subList(from, Math.min(members.size(), from + batchSize));
                    batches.add(run(m, chunks, batch, e.getKey(), pooled));
                }
            }
        }
        return new Pooled(pooled, batches);
    }

    private Batch run(NDManager m, List<TextChunk> chunks, List<Integer> batch, int length, float[][] pooled) {
        long[][] ids = new long[batch.size()][length];
        long[][] mask = new long[batch.size()][length];
        for (int k = 0; k < batch.size(); k++) {
            long[] c = chunks.get(batch.get(k)).ids();
            System.arraycopy(c, 0, ids[k], 0, c.length);
            Arrays.fill(mask[k], 0, c.length, 1);
        }
        Shape shape = new Shape(batch.size(), length);
        Map<String, NDArray> in = new LinkedHashMap<>();
        in.put("input_ids", m.create(TextBatch.flatten(ids), shape));
        in.put("attention_mask", m.create(TextBatch.flatten(mask), shape));
        Map<String, NDArray> out = graph.run(in, m);
        float[] flat = out.get("sentence_embedding").toFloatArray();
        int c = flat.length / batch.size();
        for (int k = 0; k < batch.size(); k++) {
            pooled[batch.get(k)] = Arrays.copyOfRange(flat, k * c, (k + 1) * c);
        }
        return new Batch(batch.size(), length,
                Arrays.stream(out.get(OnnxExport.TOKENS_PER_LAYER).toLongArray()).mapToInt(Math::toIntExact).toArray());
    }

    /** The smallest bucket holding {@code length} tokens. */
    private int bucket(int length) {
        int b = bucket(lengths, length);
        if (b < 0) {
            throw new IllegalArgumentException("texts: a chunk of " + length + " tokens is longer than the graph's "
                    + "largest bucket, " + lengths[lengths.length - 1]);
        }
        return b;
    }

    /** The smallest of the increasing bucket {@code lengths} holding {@code length} tokens, or -1 when none does. */
    public static int bucket(int[] lengths, int length) {
        for (int l : lengths) {
            if (length <= l) {
                return l;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        try {
            graph.close();
        } finally {
            tokens.close();
        }
    }
}
