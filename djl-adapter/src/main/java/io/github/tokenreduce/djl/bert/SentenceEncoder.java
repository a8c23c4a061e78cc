package io.github.tokenreduce.djl.bert;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.Matmuls;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.nn.BertLayerWeights;
import io.github.tokenreduce.djl.nn.BertLayers;
import io.github.tokenreduce.djl.nn.FusionEncoder;
import io.github.tokenreduce.djl.nn.LayerNormWeights;
import io.github.tokenreduce.djl.nn.Ops;
import io.github.tokenreduce.djl.nn.ReducingEncoder;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import io.github.tokenreduce.djl.weights.WeightStore;
import io.github.tokenreduce.djl.weights.onnx.OnnxModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A BERT sentence encoder (all-MiniLM-L6-v2, bge-small-en-v1.5, e5-small-v2, ...) block by block in
 * DJL, read from its ONNX export, with a reduction site in every layer after the attention
 * sub-layer and before the feed-forward (the same BERT code as BLIP's text encoder).
 *
 * <p>{@link #embed} follows the code of langchain4j's {@code OnnxBertBiEncoder}: word pieces split
 * into chunks of at most 510 (never inside a word), each chunk wrapped in [CLS] … [SEP] and pooled,
 * the chunks averaged weighted by their token counts, the result L2-normalised. The tokenizer file's
 * own truncation and padding are overridden, so every word piece counts. (langchain4j's tokenizer
 * keeps its truncation and so never chunks: the langchain4j module cuts texts as it does, with
 * {@link #chunk(List, int)}.) Batches are length-bucketed and ragged (key mask).
 * Pooling stays exact under reduction ({@link SentenceEncoderConfig.Pooling}). Methods: ToMe,
 * CrossGET (guided by [CLS]; no cross token is added, as nothing was trained for one) and MADTP
 * (training-free dictionary: the 64 strongest output directions of the last feed-forward layer,
 * unless one is given); PuMer is rejected (one modality).
 *
 * <p>Immutable and thread-safe; {@link #withReduction} returns a view sharing the weights. Each call
 * runs in its own {@link NDScope}.
 */
public final class SentenceEncoder implements AutoCloseable {

    private static final int MAX_CHUNK = 510;
    private static final int DICTIONARY_ATOMS = 64;
    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    private final NDManager manager;
    private final boolean owner;
    private final SentenceEncoderConfig config;
    private final Weights weights;
    private final FusionEncoder encoder;
    private final HuggingFaceTokenizer tokenizer;
    private final long cls;
    private final long sep;
    private final TowerReduction reduction;
    private final int batchSize;
    private final Matmuls matmuls;

    private record Weights(NDArray words, NDArray positions, NDArray types, LayerNormWeights ln,
            List<BertLayerWeights> layers, NDArray dictionary) {}

    private SentenceEncoder(NDManager manager, boolean owner, SentenceEncoderConfig config, Weights weights,
            HuggingFaceTokenizer tokenizer, long cls, long sep, TowerReduction reduction, int batchSize,
            Matmuls matmuls) {
        this.manager = manager;
        this.owner = owner;
        this.config = config;
        this.weights = weights;
        this.matmuls = matmuls;
        this.encoder = new FusionEncoder(weights.layers(), Activation.GELU, false, matmuls);
        this.tokenizer = tokenizer;
        this.cls = cls;
        this.sep = sep;
        this.reduction = reduction;
        this.batchSize = batchSize;
    }

    /** Loads an ONNX export and its {@code tokenizer.json} onto {@code device}. */
    public static SentenceEncoder fromOnnx(Path onnx, Path tokenizerJson, SentenceEncoderConfig.Pooling pooling,
            Device device) throws IOException {
        try (InputStream model = Files.newInputStream(onnx); InputStream tok = Files.newInputStream(tokenizerJson)) {
            return fromOnnx(model, onnx.toString(), tok, pooling, device);
        }
    }

    /** As {@link #fromOnnx(Path, Path, SentenceEncoderConfig.Pooling, Device)}, from streams (jar resources). */
    public static SentenceEncoder fromOnnx(InputStream onnx, String source, InputStream tokenizerJson,
            SentenceEncoderConfig.Pooling pooling, Device device) throws IOException {
        OnnxModel model = OnnxModel.read(onnx, source);
        NDManager m = NDManager.newBaseManager(device);
        HuggingFaceTokenizer tok = null;
        try {
            Map<String, NDArray> tensors = OnnxBert.tensors(model, source, m);
            SentenceEncoderConfig config = geometry(model, tensors, source, pooling, m);
            Weights w = weights(tensors, config, source);
            tok = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("padding", "false", "truncation", "false",
                    "addSpecialTokens", "false"));
            long[] clsSep = tok.encode("", true, false).getIds();
            if (clsSep.length != 2) {
                throw new IllegalArgumentException("tokenizer: " + source + "'s tokenizer does not wrap text in [CLS] … [SEP] "
                        + "(special ids " + Arrays.toString(clsSep) + ")");
            }
            return new SentenceEncoder(m, true, config, w, tok, clsSep[0], clsSep[1], null, 16, Matmuls.FP32);
        } catch (IOException | RuntimeException e) {
            if (tok != null) {
                tok.close();
            }
            m.close();
            throw e;
        }
    }

    public SentenceEncoderConfig config() {
        return config;
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
        return new SentenceEncoder(manager, false, config, weights, tokenizer, cls, sep, reduction, batchSize, mm);
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
        return new SentenceEncoder(manager, false, config, weights, tokenizer, cls, sep, r, batchSize, matmuls);
    }

    /** This encoder without reduction. */
    public SentenceEncoder withoutReduction() {
        return new SentenceEncoder(manager, false, config, weights, tokenizer, cls, sep, null, batchSize, matmuls);
    }

    /** This encoder running {@link #embed} in batches of {@code size} (default 16). */
    public SentenceEncoder withBatchSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("batchSize: must be >= 1 but was " + size);
        }
        return new SentenceEncoder(manager, false, config, weights, tokenizer, cls, sep, reduction, size, matmuls);
    }

    /**
     * L2-normalised embeddings [texts][C], langchain4j's way (chunks of 510 word pieces, pooled,
     * averaged weighted by tokens).
     */
    public float[][] embed(List<String> texts) {
        List<Chunk> chunks = chunk(texts);
        return combine(texts.size(), chunks, pool(chunks));
    }

    /**
     * One chunk of a text: [CLS] up to 510 word pieces [SEP].
     *
     * @param text the text's index
     * @param ids the chunk's token ids
     * @param weight its word pieces (the weight in the text's average)
     */
    public record Chunk(int text, long[] ids, int weight) {}

    /** The texts' chunks, every word piece kept; an empty or blank text is an error. */
    public List<Chunk> chunk(List<String> texts) {
        return chunk(texts, Integer.MAX_VALUE);
    }

    /**
     * The chunks of each text's first {@code maxPieces} word pieces (all of them when fewer), as a
     * tokenizer that truncates to {@code maxPieces + 2} tokens with [CLS] and [SEP] keeps them;
     * {@code maxPieces <= 510} gives one chunk per text. An empty or blank text is an error.
     */
    public List<Chunk> chunk(List<String> texts, int maxPieces) {
        if (maxPieces < 1) {
            throw new IllegalArgumentException("maxPieces: must be >= 1 but was " + maxPieces);
        }
        List<Chunk> chunks = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            String text = texts.get(t);
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("texts: text " + t + " is empty or whitespace only; cannot embed it");
            }
            Encoding e = tokenizer.encode(text, false, false);
            String[] pieces = e.getTokens();
            for (int[] range : partition(pieces.length > maxPieces ? Arrays.copyOf(pieces, maxPieces) : pieces)) {
                long[] ids = new long[range[1] - range[0] + 2];
                ids[0] = cls;
                System.arraycopy(e.getIds(), range[0], ids, 1, range[1] - range[0]);
                ids[ids.length - 1] = sep;
                chunks.add(new Chunk(t, ids, range[1] - range[0]));
            }
        }
        return chunks;
    }

    /** Pooled vectors [chunks][C] (not normalised), run in length-bucketed batches. */
    public float[][] pool(List<Chunk> chunks) {
        float[][] pooled = new float[chunks.size()][];
        for (List<Integer> bucket : buckets(chunks, batchSize)) {
            List<long[]> batch = new ArrayList<>();
            for (int k : bucket) {
                batch.add(chunks.get(k).ids());
            }
            try (NDManager local = manager.newSubManager()) {
                float[] flat = encode(local, padded(batch)).pooled().toFloatArray();
                int c = config.width();
                for (int k = 0; k < bucket.size(); k++) {
                    pooled[bucket.get(k)] = Arrays.copyOfRange(flat, k * c, (k + 1) * c);
                }
            }
        }
        return pooled;
    }

    /** Chunk indices grouped into batches of similar length (sorted by length, then cut). */
    public static List<List<Integer>> buckets(List<Chunk> chunks, int batchSize) {
        Integer[] order = new Integer[chunks.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> chunks.get(i).ids().length));
        List<List<Integer>> out = new ArrayList<>();
        for (int from = 0; from < order.length; from += batchSize) {
            out.add(List.of(Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize))));
        }
        return out;
    }

    /** Each text's chunks averaged weighted by their word pieces, then L2-normalised: [texts][C]. */
    public static float[][] combine(int texts, List<Chunk> chunks, float[][] pooled) {
        int width = pooled.length == 0 ? 0 : pooled[0].length;
        float[][] out = new float[texts][width];
        float[] weight = new float[texts];
        for (int i = 0; i < pooled.length; i++) {
            Chunk c = chunks.get(i);
            for (int j = 0; j < width; j++) {
                out[c.text()][j] += pooled[i][j] * c.weight();
            }
            weight[c.text()] += c.weight();
        }
        for (int t = 0; t < texts; t++) {
            double norm = 0;
            for (int j = 0; j < width; j++) {
                out[t][j] /= weight[t];
                norm += out[t][j] * out[t][j];
            }
            float n = (float) Math.sqrt(norm);
            for (int j = 0; j < width; j++) {
                out[t][j] /= Math.max(n, 1e-12f);
            }
        }
        return out;
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
        long[] ids = flatten(batch.ids());
        long[] types = flatten(batch.types());
        float[] mask = new float[b * l];
        long[] m = flatten(batch.mask());
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
            NDArray x = weights.words().get(manager.create(ids, new Shape(b, l)))
                    .add(weights.positions().get(":" + l).expandDims(0))
                    .add(weights.types().get(manager.create(types, new Shape(b, l))));
            x = Ops.layerNorm(x, weights.ln());
            float[] guide = new float[b * l];
            for (int i = 0; i < b; i++) {
                guide[i * l] = 1f;
            }
            TokenSet t = TokenSet.builder(x).keyMask(manager.create(mask, new Shape(b, l))).protect(0)
                    .attach(ReducingEncoder.GUIDE, manager.create(guide, new Shape(b, l))).build();
            FusionEncoder.Output out = encoder.forward(t, null, false, reduction, null);
            TokenSet last = out.text();
            NDArray pooled;
            if (config.pooling() == SentenceEncoderConfig.Pooling.CLS) {
                pooled = last.hidden().get(":, 0, :");
            } else {
                NDArray w = last.sizes().mul(last.keyMask()).expandDims(2);
                pooled = last.hidden().mul(w).sum(new int[] {1}).div(w.sum(new int[] {1}).maximum(1e-12f));
            }
            NDScope.unregister(pooled);
            pooled.attach(caller);
            return new Encoded(pooled, out.textPerLayer());
        }
    }

    /** [CLS] text [SEP] for each text (no chunking; each must fit the position embeddings), padded to the longest. */
    public TextBatch tokenize(List<String> texts) {
        List<long[]> rows = new ArrayList<>();
        for (String text : texts) {
            long[] body = tokenizer.encode(text, false, false).getIds();
            long[] ids = new long[body.length + 2];
            ids[0] = cls;
            System.arraycopy(body, 0, ids, 1, body.length);
            ids[ids.length - 1] = sep;
            rows.add(ids);
        }
        return padded(rows);
    }

    /** Rows of ids as a batch padded (with 0) to the longest, with its mask. */
    public static TextBatch padded(List<long[]> rows) {
        int longest = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        long[][] ids = new long[rows.size()][longest];
        long[][] mask = new long[rows.size()][longest];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, ids[i], 0, rows.get(i).length);
            Arrays.fill(mask[i], 0, rows.get(i).length, 1);
        }
        return new TextBatch(ids, mask);
    }

    /** langchain4j's partition of word pieces into runs of at most 510, never starting at a "##" piece. */
    static List<int[]> partition(String[] tokens) {
        List<int[]> out = new ArrayList<>();
        int from = 0;
        while (from < tokens.length) {
            int to = from + MAX_CHUNK;
            if (to >= tokens.length) {
                to = tokens.length;
            } else {
                while (to > from && tokens[to].startsWith("##")) {
                    to--;
                }
                if (to == from) {
                    to = from + MAX_CHUNK;
                }
            }
            out.add(new int[] {from, to});
            from = to;
        }
        return out;
    }

    /** Rows of equal length, row after row (the [B·L] buffer of a [B, L] tensor). */
    public static long[] flatten(long[][] rows) {
        int n = rows[0].length;
        long[] out = new long[rows.length * n];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * n, n);
        }
        return out;
    }

    // ------------------------------------------------------------------ loading

    private static SentenceEncoderConfig geometry(OnnxModel onnx, Map<String, NDArray> t, String source,
            SentenceEncoderConfig.Pooling pooling, NDManager m) {
        NDArray words = t.get("embeddings.word_embeddings.weight");
        NDArray inter = t.get("encoder.layer.0.intermediate.dense.weight");
        if (words == null || inter == null) {
            throw new WeightMismatchException(source, List.of("not a BERT encoder: embeddings.word_embeddings.weight or "
                    + "encoder.layer.0.intermediate.dense.weight is missing; names: "
                    + t.keySet().stream().limit(5).toList()));
        }
        int width = (int) words.getShape().get(1);
        int layers = new WeightStore(source, t).layerCount(LAYER);
        int heads = headsOf(onnx, m);
        float eps = epsOf(onnx, m);
        if (heads <= 0 || width % heads != 0) {
            throw new WeightMismatchException(source, List.of("cannot read the head count from the graph's attention "
                    + "reshape (/encoder/layer.0/attention/self/Reshape): found " + heads + " for width " + width));
        }
        return new SentenceEncoderConfig(width, layers, heads, (int) inter.getShape().get(0),
                (int) words.getShape().get(0), (int) t.get("embeddings.position_embeddings.weight").getShape().get(0),
                eps, pooling);
    }

    /** Heads from the constant [B, L, heads, d] shape the first attention layer reshapes its keys to. */
    private static int headsOf(OnnxModel onnx, NDManager m) {
        OnnxModel.Node reshape = onnx.node("/encoder/layer.0/attention/self/Reshape");
        if (reshape == null || reshape.inputs().size() < 2) {
            return -1;
        }
        OnnxModel.Node concat = onnx.producer(reshape.inputs().get(1));
        if (concat == null || !concat.opType().equals("Concat") || concat.inputs().size() != 4) {
            return -1;
        }
        NDArray heads = onnx.constant(concat.inputs().get(2), m);
        return heads == null ? -1 : (int) heads.toType(DataType.INT64, false).toLongArray()[0];
    }

    /** LayerNorm epsilon from the embeddings' decomposed LayerNorm, else 1e-12. */
    private static float epsOf(OnnxModel onnx, NDManager m) {
        OnnxModel.Node add = onnx.node("/embeddings/LayerNorm/Add");
        NDArray eps = add == null || add.inputs().size() < 2 ? null : onnx.constant(add.inputs().get(1), m);
        return eps == null ? 1e-12f : eps.toType(DataType.FLOAT32, false).toFloatArray()[0];
    }

    private static Weights weights(Map<String, NDArray> t, SentenceEncoderConfig c, String source) {
        WeightStore s = new WeightStore(source, t);
        int w = c.width();
        s.ignore("embeddings.position_ids");
        for (String n : List.copyOf(s.names())) {
            if (n.startsWith("pooler.")) {
                s.ignore(n); // BertModel's pooler: not part of a sentence embedding
            }
        }
        List<BertLayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            layers.add(BertLayers.huggingFace(s, "encoder.layer." + i + ".", w, w, c.intermediate(), c.heads(), c.eps()));
        }
        NDArray types = s.take("embeddings.token_type_embeddings.weight",
                Math.max(s.dim("embeddings.token_type_embeddings.weight", 0), 1), w);
        Weights out = new Weights(s.take("embeddings.word_embeddings.weight", c.vocab(), w),
                s.take("embeddings.position_embeddings.weight", c.maxPositions(), w), types,
                LayerNormWeights.take(s, "embeddings.LayerNorm", w, c.eps()), layers,
                dictionary(layers.get(layers.size() - 1)));
        s.finish();
        return out;
    }

    /** The 64 strongest write directions of the last feed-forward layer, [64, C]. */
    private static NDArray dictionary(BertLayerWeights last) {
        NDArray directions = last.outT(); // [I, C]: row i is what intermediate unit i writes
        if (directions == null) {
            return null;
        }
        NDArray norms = directions.square().sum(new int[] {1});
        int atoms = (int) Math.min(DICTIONARY_ATOMS, norms.getShape().get(0));
        NDArray top = norms.argSort(0, false).get(":" + atoms);
        return directions.get(top);
    }

    /** Frees the weights and tokenizer (only on the instance {@link #fromOnnx} returned). */
    @Override
    public void close() {
        if (owner) {
            tokenizer.close();
            manager.close();
        }
    }
}
