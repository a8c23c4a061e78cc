package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.bert.TextChunker;
import io.github.tokenreduce.djl.bert.TextChunk;
import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.bert.SentenceEncoderLoader;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderConfig;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code Criteria} for sentence embeddings, {@code String → float[]}: our BERT-style sentence
 * encoder with the method the {@code reduction} argument names ({@link ReductionArgument}; a
 * bundled encoder's documented default for {@code auto}) and the linear layers in {@code precision}.
 * Embeddings are unit length, langchain4j's way ({@link SentenceEncoder#embed}: texts longer than
 * 510 word pieces are embedded in chunks, averaged). The model is a bundled encoder named by the
 * {@code model} argument ({@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}, {@code e5-small-v2};
 * also read from a {@code serving.properties} in the model folder), or the folder's single
 * {@code .onnx} export with its {@code tokenizer.json} (argument {@code pooling}: mean or cls;
 * mean unless given), behind {@code optBlock(ReducibleBlock.pending())}. With {@code engine=onnxruntime}
 * a bundled encoder is exported with its reduction as one ONNX graph of length buckets ({@code lengths},
 * comma-separated; {@link SentenceEncoderOnnxExport#DEFAULT_LENGTHS} unless given) in {@code precision}
 * (fp32, or int8; auto = int8), checked against the eager model, and ONNX Runtime runs it in batches
 * of at most {@code batchSize} chunks (32 unless given) of one bucket each ({@link OnnxRuntimeSentenceEncoder});
 * a fixed-count method then counts its removals from the bucket length (docs/export.md).
 */
public final class TextEmbeddingFactory extends ServingFactory<String, float[]> {

    private static final String TASK = "TextEmbeddingFactory";

    /** A factory for {@code Criteria.optTranslatorFactory}. */
    public TextEmbeddingFactory() {
        super(String.class, float[].class);
    }

    @Override
    Translator<String, float[]> build(Model model, Map<String, ?> arguments) throws TranslateException {
        ReductionArgument reduction = ReductionArgument.parse(arguments.get("reduction"));
        Path path = ServedModels.pendingPath(model, TASK);
        BundledEncoder bundled = null;
        if (arguments.get("model") != null) {
            String name = arguments.get("model").toString();
            bundled = BundledEncoder.byName(name).orElseThrow(() -> new IllegalArgumentException(
                    "model: unknown bundled encoder '" + name + "'; expected one of " + ModelFamilies.bundledNames()));
        }
        ReducerSpec spec = reduction.textSpec(bundled);
        if (ServedModels.onOnnxRuntime(arguments)) {
            return onOnnxRuntime(model, arguments, bundled, spec);
        }
        SentenceEncoder encoder;
        try {
            if (bundled != null) {
                encoder = bundled.load(model.getNDManager().getDevice());
            } else {
                try {
                    encoder = SentenceEncoderLoader.fromFolder(path, pooling(arguments), model.getNDManager().getDevice());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(TASK + ": " + e.getMessage()
                            + " (or pass the argument model=<bundled encoder>)", e);
                }
            }
        } catch (IOException e) {
            throw new TranslateException(TASK + ": cannot read the encoder at " + path + ": " + e.getMessage(), e);
        }
        ServedModels.closeWith(model, encoder);
        SentenceEncoder precise = encoder.withPrecision(ServedModels.precision(arguments));
        SentenceEncoder served = spec == null ? precise : precise.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(spec.reducer()));
        model.setBlock(ReducibleBlock.of(in -> {
            TextBatch batch = new TextBatch(ServedModels.longRows(in.get(0)), ServedModels.longRows(in.get(1)));
            return new NDList(served.encode(in.get(0).getManager(), batch).pooled());
        }, "sentence embeddings, reduction " + (spec == null ? "none" : spec.toJson())));
        return new TextTranslator(served.chunker());
    }

    /** The bundled encoder exported with {@code spec}'s method and run by ONNX Runtime. */
    private static Translator<String, float[]> onOnnxRuntime(Model model, Map<String, ?> arguments,
            BundledEncoder bundled, ReducerSpec spec) throws TranslateException {
        if (bundled == null) {
            throw new IllegalArgumentException(TASK + ": engine onnxruntime exports a bundled encoder (argument model, "
                    + "one of " + ModelFamilies.bundledNames() + "); a folder's own .onnx export runs in ONNX Runtime as it is");
        }
        int[] lengths = lengths(arguments.get("lengths"));
        int batchSize = ServedModels.count(arguments, "batchSize", 1, 32);
        OnnxRuntimeSentenceEncoder ort;
        try {
            ort = ServedModels.closeWith(model, OnnxRuntimeSentenceEncoder.open(bundled,
                    spec == null ? null : TowerReduction.of(spec.reducer()), ServedModels.precision(arguments), lengths,
                    batchSize));
        } catch (IOException e) {
            throw new TranslateException(TASK + ": cannot export " + bundled.modelName() + ": " + e.getMessage(), e);
        }
        model.setBlock(ReducibleBlock.of(in -> {
            long[][] ids = ServedModels.longRows(in.get(0));
            long[][] mask = ServedModels.longRows(in.get(1));
            List<TextChunk> chunks = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                int n = (int) Arrays.stream(mask[i]).filter(v -> v != 0).count();
                chunks.add(new TextChunk(i, Arrays.copyOf(ids[i], n), n));
            }
            float[][] pooled = ort.pool(chunks);
            return new NDList(in.get(0).getManager().create(pooled));
        }, "sentence embeddings, reduction " + (spec == null ? "none" : spec.toJson()) + ", on ONNX Runtime"));
        return new TextTranslator(ort.chunker());
    }

    /** The {@code lengths} argument: increasing bucket lengths, comma-separated (the default buckets when absent). */
    private static int[] lengths(Object value) {
        if (value == null) {
            return SentenceEncoderOnnxExport.DEFAULT_LENGTHS;
        }
        int[] out = ServedModels.increasing(value.toString(), 2, Integer.MAX_VALUE);
        if (out == null) {
            throw new IllegalArgumentException("lengths: expected increasing token counts >= 2, comma-separated "
                    + "(such as 32,64,128,512), got '" + value + "'");
        }
        return out;
    }

    private static SentenceEncoderConfig.Pooling pooling(Map<String, ?> arguments) {
        Object p = arguments.get("pooling");
        String v = p == null ? "mean" : p.toString().trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "mean" -> SentenceEncoderConfig.Pooling.MEAN;
            case "cls" -> SentenceEncoderConfig.Pooling.CLS;
            default -> throw new IllegalArgumentException("pooling: expected mean or cls, got '" + p + "'");
        };
    }

    /** Texts to chunks of ids and mask [C, L]; pooled chunks [C, W] to one unit vector per text. */
    private static final class TextTranslator extends BatchingTranslator<String, float[]> {

        private final TextChunker chunker;

        TextTranslator(TextChunker chunker) {
            this.chunker = chunker;
        }

        private static final String CHUNKS = "tokenreduce.chunks";

        @Override
        public NDList batchProcessInput(TranslatorContext ctx, List<String> inputs) {
            List<TextChunk> chunks = chunker.chunk(inputs);
            ctx.setAttachment(CHUNKS, new Chunks(inputs.size(), chunks));
            TextBatch batch = TextBatch.padded(chunks.stream().map(TextChunk::ids).toList());
            NDManager m = ctx.getNDManager();
            return new NDList(m.create(batch.ids()), m.create(batch.mask()));
        }

        @Override
        public List<float[]> batchProcessOutput(TranslatorContext ctx, NDList list) {
            Chunks c = (Chunks) ctx.getAttachment(CHUNKS);
            return Arrays.asList(TextChunker.combine(c.texts(), c.chunks(), Tensors.rows(list.singletonOrThrow())));
        }
    }

    private record Chunks(int texts, List<TextChunk> chunks) {}
}
