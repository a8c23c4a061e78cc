package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.cli.data.Cranfield;
import io.github.tokenreduce.cli.data.StsDatasets;
import io.github.tokenreduce.cli.data.StsPair;
import io.github.tokenreduce.cli.text.OrtSentenceEncoder;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.TextChunker;
import io.github.tokenreduce.djl.bert.TextChunk;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.text.TextBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The unreduced sentence encoders equal ONNX Runtime Java on the same {@code .onnx} file and real
 * text (STS-B dev sentences, Cranfield abstracts, and one text long enough to be split into
 * chunks): pooled vectors and the final normalised embeddings to 1e-4, for all three models.
 */
class SentenceEncoderOrtTest {

    private static List<String> texts;

    @BeforeAll
    static void data() throws Exception {
        List<StsPair> sts = StsDatasets.stsb(Fixtures.shared().resolve("data/stsb/stsb-en-dev.csv"));
        texts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            texts.add(sts.get(i * 37).a());
            texts.add(sts.get(i * 37).b());
        }
        Cranfield cran = Cranfield.read(Fixtures.shared().resolve("data/cranfield"));
        List<String> docs = new ArrayList<>(cran.docs().values());
        for (int i = 0; i < 6; i++) {
            texts.add(docs.get(i * 211));
        }
        StringBuilder longText = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            longText.append(docs.get(i)).append(' ');
        }
        texts.add(longText.toString()); // over 510 word pieces: two chunks
    }

    @ParameterizedTest
    @EnumSource(BundledEncoder.class)
    void unreducedEmbeddingsEqualOnnxRuntime(BundledEncoder model) throws Exception {
        try (SentenceEncoder ours = model.load(Device.cpu()); OrtSentenceEncoder ort = OrtSentenceEncoder.open(model, 0);
                NDManager m = NDManager.newBaseManager()) {
            List<TextChunk> chunks = ours.chunker().chunk(texts);
            assertTrue(chunks.size() > texts.size(), "the long text is split");
            // cut as a truncating tokenizer would: one chunk a text, the first 126 word pieces
            List<TextChunk> cut = ours.chunker().chunk(texts, 126);
            assertEquals(texts.size(), cut.size(), "one chunk a text");
            for (int c = 0, t = 0; t < texts.size(); t++) {
                while (chunks.get(c).text() != t) {
                    c++;
                }
                long[] whole = chunks.get(c).ids();
                long[] first = cut.get(t).ids();
                int n = Math.min(whole.length - 2, 126);
                assertEquals(n, cut.get(t).weight(), "text " + t + ": word pieces kept");
                assertArrayEquals(Arrays.copyOf(whole, n + 1), Arrays.copyOf(first, n + 1),
                        "text " + t + ": [CLS] and the first pieces");
                assertEquals(whole[whole.length - 1], first[first.length - 1], "text " + t + ": [SEP] last");
            }
            assertThrows(IllegalArgumentException.class, () -> ours.chunker().chunk(texts, 0));
            for (int t = 0; t < texts.size(); t++) {
                int text = t;
                assertEquals(chunks.stream().filter(c -> c.text() == text).mapToInt(TextChunk::weight).sum() + 2,
                        ours.chunker().tokens(texts.get(t)), "text " + t + ": its tokens read whole, [CLS] and [SEP] too");
            }
            // pooled vectors of one ragged batch
            List<long[]> rows = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                rows.add(chunks.get(i * 2 + 1).ids());
            }
            TextBatch batch = TextBatch.padded(rows);
            float[] mine = ours.encode(m, batch).pooled().toFloatArray();
            float[][] theirs = ort.pooled(batch);
            double worst = 0;
            for (int i = 0; i < theirs.length; i++) {
                for (int j = 0; j < theirs[i].length; j++) {
                    worst = Math.max(worst, Math.abs(theirs[i][j] - mine[i * theirs[i].length + j]));
                }
            }
            assertTrue(worst <= 1e-4, model + ": pooled vectors differ by " + worst);
            // the embeddings, chunking and all
            float[][] a = ours.embed(texts);
            float[][] b = TextChunker.combine(texts.size(), chunks, ort.pool(chunks, 16));
            assertEquals(texts.size(), a.length);
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < a[i].length; j++) {
                    diff = Math.max(diff, Math.abs(a[i][j] - b[i][j]));
                }
            }
            assertTrue(diff <= 1e-4, model + ": embeddings differ by " + diff);
        }
    }
}
