package io.github.tokenreduce.langchain4j;

import ai.djl.Device;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.DimensionAwareEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.site.Defaults;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A drop-in replacement for langchain4j's in-process embedding models
 * ({@code AllMiniLmL6V2EmbeddingModel}, {@code BgeSmallEnV15EmbeddingModel},
 * {@code E5SmallV2EmbeddingModel}): the same ONNX file and tokenizer from the same Maven jar, the same
 * chunking (510 word pieces), pooling, chunk averaging and L2 normalisation, and the same token
 * usage, run block by block on DJL's PyTorch engine with a token-reduction method attached (or
 * none). Thread-safe; {@link #close()} frees the weights.
 *
 * <pre>{@code
 * EmbeddingModel model = TokenReducedEmbeddingModel.withDefaults(BundledEncoder.ALL_MINILM_L6_V2);
 *         // the model's documented default (Defaults: CrossGET keep 0.8, >= 64 tokens); for another
 *         // accuracy budget, calibrate on your own labelled data (tokenreduce calibrate --budget drop=1)
 * Embedding e = model.embed("a sentence").content();
 * }</pre>
 */
public final class TokenReducedEmbeddingModel extends DimensionAwareEmbeddingModel implements AutoCloseable {

    private final BundledEncoder model;
    private final SentenceEncoder encoder;
    private final SentenceEncoder owner;

    private TokenReducedEmbeddingModel(BundledEncoder model, SentenceEncoder owner, SentenceEncoder encoder) {
        this.model = model;
        this.owner = owner;
        this.encoder = encoder;
        this.dimension = encoder.config().width();
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

    /** A bundled model with its documented default reduction ({@link Defaults}), on the CPU. */
    public static TokenReducedEmbeddingModel withDefaults(BundledEncoder model) {
        return of(model, Defaults.textSpec(model, Defaults.AUTO, null).reducer(), Device.cpu());
    }

    /** Any bundled model with {@code reducer} (or none) on {@code device}. */
    public static TokenReducedEmbeddingModel of(BundledEncoder model, TokenReducer reducer, Device device) {
        SentenceEncoder loaded;
        try {
            loaded = model.load(device);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + model.modelName(), e);
        }
        SentenceEncoder used = reducer == null ? loaded : loaded.withReduction(Tower.TEXT, TowerReduction.of(reducer));
        return new TokenReducedEmbeddingModel(model, loaded, used);
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
        List<SentenceEncoder.Chunk> chunks = encoder.chunk(texts);
        float[][] vectors = SentenceEncoder.combine(texts.size(), chunks, encoder.pool(chunks));
        List<Embedding> out = new ArrayList<>(vectors.length);
        for (float[] v : vectors) {
            out.add(Embedding.from(v));
        }
        int tokens = chunks.stream().mapToInt(SentenceEncoder.Chunk::weight).sum();
        return Response.from(out, new TokenUsage(tokens));
    }

    @Override
    protected Integer knownDimension() {
        return encoder.config().width();
    }

    @Override
    public String modelName() {
        return model.modelName();
    }

    @Override
    public void close() {
        owner.close();
    }
}
