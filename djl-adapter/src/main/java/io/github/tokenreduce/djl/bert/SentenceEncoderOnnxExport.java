package io.github.tokenreduce.djl.bert;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.RemovalCount;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.export.BucketedExport;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.Tracer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT sentence encoder with its reduction as one ONNX graph (docs/export.md): inputs
 * {@code input_ids} and {@code attention_mask}, int64 [batch, sequence] (token types all 0, as
 * {@link SentenceEncoder#embed} uses them); outputs {@code sentence_embedding} float [batch, C] (pooled,
 * not normalised, as {@link SentenceEncoder.Encoded#pooled}) and {@code tokens_per_layer}. The sequence
 * length is dynamic through length buckets ({@link BucketedExport}): a batch runs padded to the smallest
 * bucket that holds it.
 *
 * <p>A fixed-count method (ToMe, CrossGET) counts its removals from the padded bucket length
 * ({@link RemovalCount#PADDED_BATCH}, padding merging with padding first, as the authors' code), the
 * one count a graph can hold; the eager model gives the same on the same padded batch
 * ({@link #eagerReduction}). A method that decides per text from its real tokens (MADTP) is refused.
 */
public final class SentenceEncoderOnnxExport {

    /**
     * The smallest cosine to the float32 eager model an int8 graph must keep on every check. int8
     * rounding alone moves all-MiniLM-L6-v2's embeddings of short texts to a cosine of 0.96–0.98
     * (libtorch's int8 path as much as this graph), and with a reduction a merge that pairs differently
     * after rounding moves a probe (distinct random word pieces) further, to 0.94; so this is a check
     * that the graph computes the model (unrelated texts sit far lower), not an accuracy bound: what
     * int8 costs is measured as nDCG@10 (docs/text-results.md).
     */
    public static final double INT8_MIN_COSINE = 0.9;

    /**
     * Bucket lengths of a default export (those above the model's position embeddings are dropped):
     * every 16 tokens up to 128, every 32 up to 512, so a batch is padded by at most a few tokens and
     * the counts a bucket's branch holds (from its padded length) stay close to each text's own.
     * Coarser buckets (powers of two) cost bge-small-en-v1.5 1.1 more points of Cranfield nDCG@10 with
     * CrossGET keep 0.8 (−1.96 against −0.83, docs/text-results.md).
     */
    public static final int[] DEFAULT_LENGTHS = {16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 288, 320, 352,
        384, 416, 448, 480, 512};

    private SentenceEncoderOnnxExport() {}

    /** Exports the bundled encoder {@code encoder} (see the class documentation); null reduction: unreduced. */
    public static OnnxExport.Result export(BundledEncoder encoder, TowerReduction reduction, int[] lengths, Path out,
            Precision precision) throws IOException {
        try (SentenceEncoder eager = encoder.load(Device.cpu())) {
            return export(encoder, eager, reduction, lengths, out, precision);
        }
    }

    /** As {@link #export(BundledEncoder, TowerReduction, int[], Path, Precision)} with {@code eager} already loaded. */
    static OnnxExport.Result export(BundledEncoder encoder, SentenceEncoder eager, TowerReduction reduction,
            int[] lengths, Path out, Precision precision) throws IOException {
        try (InputStream onnx = encoder.open(encoder.onnxResource())) {
            return export(eager, onnx, encoder.modelName(), reduction, lengths, out, precision);
        }
    }

    /** Exports the encoder in {@code folder} (its {@code .onnx} and {@code tokenizer.json}), as the bundled one. */
    public static OnnxExport.Result export(Path folder, SentenceEncoderConfig.Pooling pooling, TowerReduction reduction,
            int[] lengths, Path out, Precision precision) throws IOException {
        try (SentenceEncoder eager = SentenceEncoderLoader.fromFolder(folder, pooling, Device.cpu());
                InputStream onnx = Files.newInputStream(SentenceEncoderLoader.onnxIn(folder))) {
            return export(eager, onnx, folder.toString(), reduction, lengths, out, precision);
        }
    }

    /**
     * {@code reduction} as the graph runs it: a fixed-count method counting from the padded length.
     *
     * @throws UnsupportedOperationException for a method whose count is per text (no fixed count)
     */
    public static TowerReduction eagerReduction(TowerReduction reduction) {
        if (reduction == null) {
            return null;
        }
        TokenReducer r = reduction.reducer();
        if (r.removalCount() == null) {
            throw new UnsupportedOperationException("ONNX export of a sentence encoder: " + r.name() + " decides "
                    + "per text from its real tokens, which a graph over padded batches cannot hold; export ToMe or "
                    + "CrossGET (they count removals from the padded length in the graph)");
        }
        return new TowerReduction(r.withRemovalCount(RemovalCount.PADDED_BATCH), reduction.guide());
    }

    /** The bucket lengths of {@code lengths} the model can run (at most its position embeddings). */
    public static int[] lengths(int[] lengths, SentenceEncoderConfig config) {
        int[] fit = Arrays.stream(lengths).filter(l -> l <= config.maxPositions()).toArray();
        if (fit.length == 0) {
            throw new IllegalArgumentException("lengths: none of " + Arrays.toString(lengths) + " fits the "
                    + config.maxPositions() + " position embeddings of the model");
        }
        return fit;
    }

    private static OnnxExport.Result export(SentenceEncoder eager, InputStream onnx, String name,
            TowerReduction reduction, int[] lengths, Path out, Precision precision) throws IOException {
        boolean int8 = OnnxExport.int8(precision);
        TowerReduction r = eagerReduction(reduction);
        int[] buckets = lengths(lengths, eager.config());
        SentenceEncoder reference = r == null ? eager : eager.withReduction(Site.TEXT_BLOCKS, r);
        long[] pieces = pieces(eager, buckets[buckets.length - 1]);
        String what = name + (r == null ? " unreduced" : " with " + r.reducer()) + (int8 ? " (int8)" : "");
        try (Tracer t = new Tracer(Device.cpu(), int8)) {
            SentenceEncoder traced = SentenceEncoderLoader.traced(onnx, name, t, eager.config().pooling());
            SentenceEncoder model = r == null ? traced : traced.withReduction(Site.TEXT_BLOCKS, r);
            NDManager m = t.witnessManager();
            Map<String, DataType> inputs = new LinkedHashMap<>();
            inputs.put("input_ids", DataType.INT64);
            inputs.put("attention_mask", DataType.INT64);
            List<OnnxExport.Probe> probes = new ArrayList<>();
            for (int i = 0; i < buckets.length; i++) {
                int shortest = i == 0 ? 3 : buckets[i - 1] + 1;
                TextBatch batch = texts(pieces, shortest, new int[] {shortest, Math.max(2, shortest / 3)});
                TextBatch padded = texts(pieces, buckets[i], new int[] {shortest, Math.max(2, shortest / 3)});
                SentenceEncoder.Encoded e = reference.encode(m, padded);
                probes.add(new OnnxExport.Probe(arrays(m, batch), Map.of("sentence_embedding", e.pooled()),
                        e.tokensPerLayer()));
            }
            return BucketedExport.export(t, "sentence_encoder", what, inputs, buckets,
                    length -> arrays(m, texts(pieces, length, new int[] {length, length / 2})),
                    (length, in, afterBlock) -> {
                        NDArray ids = in.get("input_ids");
                        SentenceEncoder.Encoded e = model.forward(ids, ids.zerosLike(),
                                in.get("attention_mask").toType(DataType.FLOAT32, false),
                                (layer, tokens) -> afterBlock.accept(tokens.hidden()));
                        return new OnnxExport.Traced(Map.of("sentence_embedding", e.pooled()), e.tokensPerLayer());
                    }, probes, INT8_MIN_COSINE, out);
        }
    }

    /**
     * [CLS], distinct pseudo-random word pieces from the middle of the vocabulary (seed 7), [SEP]:
     * {@code length} ids. Not a repeated sentence: its equal tokens would tie exactly in the
     * matchers' similarities, a tie the graph's kernels may round the other way.
     */
    private static long[] pieces(SentenceEncoder eager, int length) {
        long[] clsSep = eager.chunker().chunk(List.of("a")).get(0).ids(); // [CLS] a [SEP]
        int vocab = eager.config().vocab();
        long lo = vocab / 10;
        java.util.List<Long> ids = new java.util.ArrayList<>();
        for (long v = lo; v < vocab - vocab / 20; v++) {
            ids.add(v);
        }
        java.util.Collections.shuffle(ids, new java.util.Random(7));
        long[] out = new long[length];
        out[0] = clsSep[0];
        for (int i = 1; i < length - 1; i++) {
            out[i] = ids.get(i);
        }
        out[length - 1] = clsSep[clsSep.length - 1];
        return out;
    }

    /** Rows of {@code lengths[i]} word pieces ([CLS], pieces, [SEP]) padded with 0 to {@code padTo}. */
    private static TextBatch texts(long[] pieces, int padTo, int[] lengths) {
        long[][] ids = new long[lengths.length][padTo];
        long[][] mask = new long[lengths.length][padTo];
        for (int i = 0; i < lengths.length; i++) {
            System.arraycopy(pieces, 0, ids[i], 0, lengths[i] - 1);
            ids[i][lengths[i] - 1] = pieces[pieces.length - 1];
            Arrays.fill(mask[i], 0, lengths[i], 1);
        }
        return new TextBatch(ids, mask);
    }

    private static Map<String, NDArray> arrays(NDManager m, TextBatch b) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("input_ids", m.create(TextBatch.flatten(b.ids()), new Shape(b.batch(), b.length())));
        out.put("attention_mask", m.create(TextBatch.flatten(b.mask()), new Shape(b.batch(), b.length())));
        return out;
    }
}
