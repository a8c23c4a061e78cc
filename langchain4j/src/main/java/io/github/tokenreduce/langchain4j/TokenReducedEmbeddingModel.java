package io.github.tokenreduce.langchain4j;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.DimensionAwareEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.TextChunker;
import io.github.tokenreduce.djl.bert.TextChunk;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.defaults.Defaults;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A drop-in replacement for langchain4j's in-process embedding models
 * ({@code AllMiniLmL6V2EmbeddingModel}, {@code BgeSmallEnV15EmbeddingModel},
 * {@code E5SmallV2EmbeddingModel}): the same ONNX file and tokenizer from the same Maven jar, the same
 * cut of long texts, pooling and L2 normalisation, and the same token usage, run block by block on
 * DJL's PyTorch engine with a token-reduction method attached (or none). Thread-safe;
 * {@link #close()} frees the weights.
 *
 * <p>Long texts: langchain4j's code splits word pieces into chunks of 510, but its tokenizer, loaded
 * with only padding switched off, has already truncated the text to its maximum length with [CLS]
 * and [SEP]: the tokenizer file's own 128 for all-MiniLM-L6-v2 (126 word pieces), DJL's default
 * model maximum 512 for bge-small-en-v1.5 and e5-small-v2 (510). So langchain4j embeds a text's first
 * 126 or 510 word pieces and never chunks; this model cuts at the same place ({@link #keptPieces}).
 * Neither adds e5's "query: " / "passage: " prefixes: give them in the text.
 *
 * <pre>{@code
 * EmbeddingModel model = TokenReducedEmbeddingModel.withDefaults(BundledEncoder.ALL_MINILM_L6_V2);
 *         // the model's documented default (Defaults: CrossGET keep 0.9 from layer 3 for MiniLM, from layer 9 for bge and e5; >= 64 tokens); for another
 *         // accuracy budget, calibrate on your own labelled data (tokenreduce calibrate --budget drop=1)
 * Embedding e = model.embed("a sentence").content();
 * }</pre>
 */
public final class TokenReducedEmbeddingModel extends DimensionAwareEmbeddingModel implements AutoCloseable {

    private final BundledEncoder model;
    private final TextChunker chunker;
    private final Function<List<TextChunk>, float[][]> pool;
    private final AutoCloseable owner;
    private final int keptPieces;
    private final int width;

    private TokenReducedEmbeddingModel(BundledEncoder model, AutoCloseable owner, TextChunker chunker,
            Function<List<TextChunk>, float[][]> pool, int width, int keptPieces) {
        this.model = model;
        this.owner = owner;
        this.chunker = chunker;
        this.pool = pool;
        this.keptPieces = keptPieces;
        this.width = width;
        this.dimension = width;
    }

    /** all-MiniLM-L6-v2 (mean pooling) with {@code reducer} at every layer, or none when null. */
    public static TokenReducedEmbeddingModel allMiniLmL6V2(TokenReducer reducer) {
        return of(BundledEncoder.ALL_MINILM_L6_V2, reducer, Device.cpu());
    }

    /** bge-small-en-v1.5 ([CLS] pooling) with {@code reducer}, or none when null. */
    public static TokenReducedEmbeddingModel bgeSmallEnV15(TokenReducer reducer) {
        return of(BundledEncoder.BGE_SMALL_EN_V15, reducer, Device.cpu());
    }

    /** e5-small-v2 (mean pooling) with {@code reducer}, or none when null. Prefix texts with "query: " / "passage: ". */
    public static TokenReducedEmbeddingModel e5SmallV2(TokenReducer reducer) {
        return of(BundledEncoder.E5_SMALL_V2, reducer, Device.cpu());
    }

    /**
     * A bundled model with its documented default reduction ({@link Defaults}; none for the models
     * where reduction was measured to save no time), on the CPU.
     */
    public static TokenReducedEmbeddingModel withDefaults(BundledEncoder model) {
        ReducerSpec spec = model.reductionSpec(Defaults.AUTO, null);
        return of(model, spec == null ? null : spec.reducer(), Device.cpu());
    }

    /** Any bundled model with {@code reducer} (or none) on {@code device}, in float32. */
    public static TokenReducedEmbeddingModel of(BundledEncoder model, TokenReducer reducer, Device device) {
        return of(model, reducer, device, Precision.FP32);
    }

    /**
     * Any bundled model with {@code reducer} (or none) on {@code device}, its linear layers in
     * {@code precision} ({@link Precision#AUTO}: bf16 where the CPU has bfloat16 instructions; see
     * docs/performance.md for the accuracy cost).
     */
    public static TokenReducedEmbeddingModel of(BundledEncoder model, TokenReducer reducer, Device device,
            Precision precision) {
        int kept = keptPieces(model);
        SentenceEncoder loaded;
        try {
            loaded = model.load(device);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + model.modelName(), e);
        }
        SentenceEncoder precise = loaded.withPrecision(precision);
        SentenceEncoder used = reducer == null ? precise : precise.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(reducer));
        return new TokenReducedEmbeddingModel(model, loaded, used.chunker(), used::pool, used.config().width(), kept);
    }

    /**
     * Any bundled model with {@code reducer} (or none) on ONNX Runtime: the model is exported with its
     * reduction inside as one graph ({@code SentenceEncoderOnnxExport}, length buckets up to the pieces
     * langchain4j keeps), checked against the eager model, and run by ONNX Runtime's CPU provider in
     * {@code precision} (fp32, or int8; {@link Precision#AUTO}: int8). A fixed-count method counts its
     * removals from the padded bucket length there (docs/export.md); MADTP is refused.
     */
    public static TokenReducedEmbeddingModel onOnnxRuntime(BundledEncoder model, TokenReducer reducer,
            Precision precision) {
        int kept = keptPieces(model);
        int longest = kept == Integer.MAX_VALUE ? Integer.MAX_VALUE : kept + 2;
        int[] lengths = java.util.stream.IntStream.concat(
                java.util.Arrays.stream(SentenceEncoderOnnxExport.DEFAULT_LENGTHS).filter(l -> l < longest),
                java.util.stream.IntStream.of(Math.min(longest, 512))).distinct().sorted().toArray();
        try {
            OnnxRuntimeSentenceEncoder ort = OnnxRuntimeSentenceEncoder.open(model,
                    reducer == null ? null : TowerReduction.of(reducer), precision, lengths, 16);
            return new TokenReducedEmbeddingModel(model, ort, ort.chunker(), ort::pool, ort.width(), kept);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export " + model.modelName() + " to ONNX", e);
        }
    }

    /**
     * How many word pieces of a text langchain4j's own model embeds: its tokenizer, loaded as
     * langchain4j loads it ({@code padding=false}, everything else from the tokenizer file), truncates
     * to its maximum length, [CLS] and [SEP] included; {@link Integer#MAX_VALUE} if it does not
     * truncate.
     */
    public static int keptPieces(BundledEncoder model) {
        try (InputStream in = model.open(model.tokenizerResource());
                HuggingFaceTokenizer langchain4js = HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false"))) {
            return "DO_NOT_TRUNCATE".equals(langchain4js.getTruncation()) ? Integer.MAX_VALUE
                    : Math.max(langchain4js.getMaxLength() - 2, 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + model.tokenizerResource(), e);
        }
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        if (segments == null || segments.isEmpty()) {
            throw new IllegalArgumentException("segments cannot be null or empty");
        }
        List<String> texts = new ArrayList<>(segments.size());
        for (TextSegment s : segments) {
            texts.add(s.text());
        }
        List<TextChunk> chunks = chunker.chunk(texts, keptPieces);
        float[][] vectors = TextChunker.combine(texts.size(), chunks, pool.apply(chunks));
        List<Embedding> out = new ArrayList<>(vectors.length);
        for (float[] v : vectors) {
            out.add(Embedding.from(v));
        }
        int tokens = chunks.stream().mapToInt(TextChunk::weight).sum();
        return Response.from(out, new TokenUsage(tokens));
    }

    @Override
    protected Integer knownDimension() {
        return width;
    }

    @Override
    public String modelName() {
        return model.modelName();
    }

    @Override
    public void close() {
        try {
            owner.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close " + model.modelName() + ": " + e.getMessage(), e);
        }
    }
}
