package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.cli.data.Cranfield;
import io.github.tokenreduce.cli.data.StsDatasets;
import io.github.tokenreduce.cli.data.StsPair;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.bert.TextChunk;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentence encoder exported with its reduction (one graph, dynamic batch and length through length
 * buckets) runs in ONNX Runtime on real text (STS-B dev sentences, Cranfield abstracts) as the eager
 * model runs the same batches padded to the bucket: pooled vectors within 1e-4 and the same tokens per
 * layer; methods the graph cannot hold are refused before anything is written.
 */
class SentenceEncoderOnnxExportTest {

    private static final int[] LENGTHS = {16, 32, 64, 128};

    @TempDir
    Path tmp;

    private static List<String> texts;

    @BeforeAll
    static void data() throws Exception {
        List<StsPair> sts = StsDatasets.stsb(Fixtures.shared().resolve("data/stsb/stsb-en-dev.csv"));
        texts = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            texts.add(sts.get(i * 53).a());
        }
        List<String> docs = new ArrayList<>(Cranfield.read(Fixtures.shared().resolve("data/cranfield")).docs().values());
        for (int i = 0; i < 12; i++) {
            texts.add(docs.get(i * 97));
        }
    }

    /** ToMe and CrossGET with a keep ratio: every batch of real text, at its own length, as eager on the bucket. */
    @Test
    void reducedGraphRunsAsTheEagerModelOnRealText() throws Exception {
        for (TowerReduction r : List.of(
                TowerReduction.of(CrossGetReducer.builder().schedule(Schedule.keepRatio(0.8, 8)).build()),
                TowerReduction.of(ToMeReducer.builder().schedule(Schedule.keepRatio(0.7, 8, 1)).build()))) {
            Path file = tmp.resolve("m.onnx");
            SentenceEncoderOnnxExport.export(BundledEncoder.ALL_MINILM_L6_V2, r, LENGTHS, file, Precision.FP32);
            try (SentenceEncoder eager = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu());
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                SentenceEncoder reduced = eager.withReduction(Site.TEXT_BLOCKS, SentenceEncoderOnnxExport.eagerReduction(r));
                List<TextChunk> chunks = eager.chunker().chunk(texts, LENGTHS[LENGTHS.length - 1] - 2);
                chunks = chunks.stream().sorted(Comparator.comparingInt(c -> c.ids().length)).toList();
                int batches = 0;
                boolean reducedSome = false;
                for (int from = 0; from < chunks.size(); from += 5) {
                    List<long[]> rows = chunks.subList(from, Math.min(chunks.size(), from + 5)).stream()
                            .map(TextChunk::ids).toList();
                    TextBatch natural = TextBatch.padded(rows);
                    int bucket = Arrays.stream(LENGTHS).filter(l -> l >= natural.length()).findFirst().orElseThrow();
                    Map<String, NDArray> out = OnnxRuntimeRun.run(file, inputs(m, natural), m);
                    SentenceEncoder.Encoded e = reduced.encode(m, padTo(natural, bucket));
                    float diff = out.get("sentence_embedding").sub(e.pooled()).abs().max().getFloat();
                    assertTrue(diff <= 1e-4, r.reducer() + ", length " + natural.length() + ": differs by " + diff);
                    assertArrayEquals(Arrays.stream(e.tokensPerLayer()).asLongStream().toArray(),
                            out.get(OnnxExport.TOKENS_PER_LAYER).toLongArray(), "length " + natural.length());
                    reducedSome |= e.tokensPerLayer()[e.tokensPerLayer().length - 1] < bucket;
                    batches++;
                }
                assertTrue(batches >= 4 && reducedSome, "batches of several buckets, some reduced");
            }
        }
    }

    /** The runner embeds as the eager encoder does (chunks, pooling, averaging) and int8 stays close. */
    @Test
    void runnerEmbedsRealTextAndInt8StaysClose() throws Exception {
        List<String> sentences = texts.subList(0, 12);
        try (SentenceEncoder eager = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu());
                OnnxRuntimeSentenceEncoder fp32 = OnnxRuntimeSentenceEncoder.open(BundledEncoder.ALL_MINILM_L6_V2, null,
                        Precision.FP32, new int[] {16, 32, 64}, 4);
                OnnxRuntimeSentenceEncoder int8 = OnnxRuntimeSentenceEncoder.open(BundledEncoder.ALL_MINILM_L6_V2, null,
                        Precision.INT8, new int[] {16, 32, 64}, 4)) {
            float[][] want = eager.embed(sentences);
            float[][] got = fp32.embed(sentences);
            float[][] low = int8.embed(sentences);
            for (int i = 0; i < want.length; i++) {
                assertArrayEquals(want[i], got[i], 1e-4f, "sentence " + i);
                double cos = 0;
                for (int j = 0; j < want[i].length; j++) {
                    cos += want[i][j] * low[i][j];
                }
                assertTrue(cos >= SentenceEncoderOnnxExport.INT8_MIN_COSINE && cos < 0.99999, "int8 cosine " + cos);
            }
            assertTrue(Files.size(int8.export().file()) < Files.size(fp32.export().file()), "int8 weights are smaller");
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> fp32.embed(List.of(texts.get(20).repeat(3))));
            assertTrue(tooLong.getMessage().contains("largest bucket, 64"), tooLong.getMessage());
        }
    }

    /** What the graph cannot hold is refused before a file is written; an input past the largest bucket fails. */
    @Test
    void refusals() throws Exception {
        Path file = tmp.resolve("refused.onnx");
        UnsupportedOperationException madtp = assertThrows(UnsupportedOperationException.class,
                () -> SentenceEncoderOnnxExport.export(BundledEncoder.ALL_MINILM_L6_V2,
                        TowerReduction.of(MadtpReducer.builder().schedule(Schedule.keepRatio(0.8)).build()), LENGTHS,
                        file, Precision.FP32));
        assertTrue(madtp.getMessage().contains("madtp") && madtp.getMessage().contains("per text"), madtp.getMessage());
        IllegalArgumentException bf16 = assertThrows(IllegalArgumentException.class,
                () -> SentenceEncoderOnnxExport.export(BundledEncoder.ALL_MINILM_L6_V2, null, LENGTHS, file,
                        Precision.BF16));
        assertTrue(bf16.getMessage().contains("bf16"), bf16.getMessage());
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> SentenceEncoderOnnxExport.export(BundledEncoder.ALL_MINILM_L6_V2, null, new int[] {1024}, file,
                        Precision.FP32));
        assertTrue(lengths.getMessage().contains("512 position embeddings"), lengths.getMessage());
        assertFalse(Files.exists(file), "nothing written");
        Path small = tmp.resolve("small.onnx");
        SentenceEncoderOnnxExport.export(BundledEncoder.ALL_MINILM_L6_V2, null, new int[] {8, 16}, small, Precision.FP32);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            long[][] ids = new long[2][17];
            long[][] mask = new long[2][17];
            for (long[] row : mask) {
                Arrays.fill(row, 1);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> OnnxRuntimeRun.run(small, inputs(m, new TextBatch(ids, mask)), m));
            assertTrue(e.getMessage().contains("ONNX Runtime could not run"), e.getMessage());
        }
    }

    private static Map<String, NDArray> inputs(NDManager m, TextBatch b) {
        Map<String, NDArray> in = new LinkedHashMap<>();
        in.put("input_ids", m.create(TextBatch.flatten(b.ids()), new Shape(b.batch(), b.length())));
        in.put("attention_mask", m.create(TextBatch.flatten(b.mask()), new Shape(b.batch(), b.length())));
        return in;
    }

    private static TextBatch padTo(TextBatch b, int length) {
        long[][] ids = new long[b.batch()][length];
        long[][] mask = new long[b.batch()][length];
        for (int i = 0; i < b.batch(); i++) {
            System.arraycopy(b.ids()[i], 0, ids[i], 0, b.length());
            System.arraycopy(b.mask()[i], 0, mask[i], 0, b.length());
        }
        return new TextBatch(ids, mask);
    }
}
