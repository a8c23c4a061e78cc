package io.github.tokenreduce.djl.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.FusionEncoder;
import io.github.tokenreduce.djl.nn.Matmuls;
import io.github.tokenreduce.djl.nn.Ops;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.nn.ReducingEncoder;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A BERT sentence encoder (all-MiniLM-L6-v2, bge-small-en-v1.5, e5-small-v2, ...) block by block in
 * DJL, with a reduction site in every layer after the attention sub-layer and before the feed-forward
 * (the same BERT code as BLIP's text encoder). {@link SentenceEncoderLoader} builds it from an ONNX
 * export; {@link BundledEncoder#load} from the jars langchain4j ships.
 *
 * <p>{@link #embed} reads texts as langchain4j's {@code OnnxBertBiEncoder} does ({@link TextChunker}):
 * long texts in chunks of at most 510 word pieces, each pooled, averaged back per text and
 * L2-normalised. Batches are length-bucketed ({@link ChunkBatches}) and ragged (key mask).
 * Pooling stays exact under reduction ({@link SentenceEncoderConfig.Pooling}). Methods: ToMe,
 * CrossGET (guided by [CLS]; no cross token is added, as nothing was trained for one) and MADTP
 * (training-free dictionary: the 64 strongest output directions of the last feed-forward layer,
 * unless one is given); PuMer is rejected (one modality).
 *
 * <p>Immutable and thread-safe; {@link #withReduction} returns a view sharing the weights. Each call
 * runs in its own {@link NDScope}.
 */
public final class SentenceEncoder implements AutoCloseable {

    private final NDManager manager;
    private final boolean owner;
    private final SentenceEncoderConfig config;
    private final SentenceEncoderWeights weights;
    private final FusionEncoder encoder;
    private final TextChunker chunker;
    private final TowerReduction reduction;
    private final int batchSize;
    private final Matmuls matmuls;

    SentenceEncoder(NDManager manager, boolean owner, SentenceEncoderConfig config, SentenceEncoderWeights weights,
            TextChunker chunker, TowerReduction reduction, int batchSize, Matmuls matmuls) {
        this.manager = manager;
        this.owner = owner;
        this.config = config;
        this.weights = weights;
        this.matmuls = matmuls;
        this.encoder = new FusionEncoder(weights.layers(), Activation.GELU, false, matmuls);
        this.chunker = chunker;
        this.reduction = reduction;
        this.batchSize = batchSize;
    }

    public SentenceEncoderConfig config() {
        return config;
    }

    /** How this encoder cuts texts into chunks and averages them back ({@link #embed}'s first and last step). */
    public TextChunker chunker() {
        return chunker;
    }

    /**
     * This model (same reductions, shared weights) with the linear layers of the encoder in
     * {@code precision}: weights are prepared once here (bf16 copies or packed int8) and live until
     * the model is closed, so keep the returned model rather than calling this per request. Norms,
     * softmax and every reduction decision stay in float32. {@link Precision#AUTO} picks the fastest
     * the device supports; a precision the CPU cannot run fast falls back to float32 with one log line.
     */
    public SentenceEncoder withPrecision(Precision precision) {
        Matmuls mm = precision == matmuls.precision() ? matmuls
                : Matmuls.prepare(precision, FusionEncoder.linears(weights.layers()));
        return new SentenceEncoder(manager, false, config, weights, chunker, reduction, batchSize, mm);
    }

    /** The precision of this model's linear layers (never {@link Precision#AUTO}). */
    public Precision precision() {
        return matmuls.precision();
    }

    /** This encoder with {@code reduction} at every layer ({@link Site#TEXT_BLOCKS}, the only site). */
    public SentenceEncoder withReduction(Site site, TowerReduction reduction) {
        if (site != Site.TEXT_BLOCKS) {
            throw new IllegalArgumentException("site: a sentence encoder has only the TEXT_BLOCKS site, not " + site);
        }
        TowerReduction r = reduction.requireNoCrossAttention("a sentence encoder (one modality)", "use BLIP or ViLT")
                .resolve("TEXT_BLOCKS site", config.layers(), config.width(), null, weights::dictionary);
        return new SentenceEncoder(manager, false, config, weights, chunker, r, batchSize, matmuls);
    }

    /** This encoder without reduction. */
    public SentenceEncoder withoutReduction() {
        return new SentenceEncoder(manager, false, config, weights, chunker, null, batchSize, matmuls);
    }

    /** This encoder running {@link #embed} in batches of {@code size} (default 16). */
    public SentenceEncoder withBatchSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("batchSize: must be >= 1 but was " + size);
        }
        return new SentenceEncoder(manager, false, config, weights, chunker, reduction, size, matmuls);
    }

    /**
     * L2-normalised embeddings [texts][C], langchain4j's way (chunks of 510 word pieces, pooled,
     * averaged weighted by tokens).
     */
    public float[][] embed(List<String> texts) {
        List<TextChunk> chunks = chunker.chunk(texts);
        return TextChunker.combine(texts.size(), chunks, pool(chunks));
    }

    /** Pooled vectors [chunks][C] (not normalised), run in length-bucketed batches. */
    public float[][] pool(List<TextChunk> chunks) {
        float[][] pooled = new float[chunks.size()][];
        for (List<Integer> bucket : ChunkBatches.buckets(chunks, batchSize)) {
            List<long[]> batch = new ArrayList<>();
            for (int k : bucket) {
                batch.add(chunks.get(k).ids());
            }
            try (NDManager local = manager.newSubManager()) {
                float[] flat = encode(local, TextBatch.padded(batch)).pooled().toFloatArray();
                int c = config.width();
                for (int k = 0; k < bucket.size(); k++) {
                    pooled[bucket.get(k)] = Arrays.copyOfRange(flat, k * c, (k + 1) * c);
                }
            }
        }
        return pooled;
    }

    /** Pooled sentence vectors (not normalised) [B, C] with the token count after each layer. */
    public record Encoded(NDArray pooled, int[] tokensPerLayer) {}

    /** Runs the encoder on a tokenised batch ([CLS] … [SEP], at most the position embeddings long). */
    public Encoded encode(NDManager caller, TextBatch batch) {
        int b = batch.batch();
        int l = batch.length();
        if (l > config.maxPositions()) {
            throw new IllegalArgumentException("texts: length " + l + " exceeds the " + config.maxPositions()
                    + " position embeddings; embed() splits long texts into chunks");
        }
        long[] ids = TextBatch.flatten(batch.ids());
        long[] types = TextBatch.flatten(batch.types());
        float[] mask = new float[b * l];
        long[] m = TextBatch.flatten(batch.mask());
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocab()) {
                throw new IllegalArgumentException("texts: token " + ids[i] + " at [" + i / l + ", " + i % l
                        + "] outside the vocabulary [0, " + config.vocab() + ")");
            }
            if (types[i] < 0 || types[i] >= weights.types().getShape().get(0)) {
                throw new IllegalArgumentException("texts: token type " + types[i] + " at [" + i / l + ", " + i % l
                        + "] outside [0, " + weights.types().getShape().get(0) + ")");
            }
            mask[i] = m[i];
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Encoded out = forward(manager.create(ids, new Shape(b, l)), manager.create(types, new Shape(b, l)),
                    manager.create(mask, new Shape(b, l)), null);
            NDScope.unregister(out.pooled());
            out.pooled().attach(caller);
            return out;
        }
    }

    /**
     * The encoder on checked arrays (what {@link #encode} and an ONNX trace run): token ids and types,
     * int64 [B, L], and the key mask, float [B, L] (1 real, 0 padding); {@code observer} (or null) sees
     * the tokens after each layer.
     */
    Encoded forward(NDArray ids, NDArray types, NDArray mask, ReducingEncoder.BlockObserver observer) {
        long b = ids.getShape().get(0);
        int l = (int) ids.getShape().get(1);
        NDArray x = Ops.embed(weights.words(), ids).add(weights.positions().get(":" + l).expandDims(0))
                .add(Ops.embed(weights.types(), types));
        x = Ops.layerNorm(x, weights.ln());
        float[] guide = new float[Math.toIntExact(b * l)];
        for (int i = 0; i < b; i++) {
            guide[i * l] = 1f;
        }
        TokenSet t = TokenSet.builder(x).keyMask(mask).protect(0)
                .attach(ReducingEncoder.GUIDE, manager.create(guide, new Shape(b, l))).build();
        FusionEncoder.Output out = encoder.forward(t, null, false, reduction, null, observer);
        TokenSet last = out.text();
        NDArray pooled;
        if (config.pooling() == SentenceEncoderConfig.Pooling.CLS) {
            pooled = last.hidden().get(":, 0, :");
        } else {
            NDArray w = last.sizes().mul(last.keyMask()).expandDims(2);
            pooled = last.hidden().mul(w).sum(new int[] {1}).div(w.sum(new int[] {1}).maximum(1e-12f));
        }
        return new Encoded(pooled, out.textPerLayer());
    }

    /** Frees the weights and tokenizer (only on the instance {@link SentenceEncoderLoader} built). */
    @Override
    public void close() {
        if (owner) {
            chunker.close();
            manager.close();
        }
    }
}
