package io.github.tokenreduce.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2.E5SmallV2EmbeddingModel;
import dev.langchain4j.model.output.Response;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The unreduced models against langchain4j's own on texts longer than one chunk: the Cranfield
 * documents ({@code shared/data/cranfield/cran.all.1400}, each document's {@code .W} section, as
 * the benchmarks read it) of more than 510 word pieces under each encoder's tokenizer, the
 * {@value #PER_ENCODER} longest of them per encoder. Every vector within 1e-4 and the same token
 * usage. langchain4j's tokenizer truncates (all-MiniLM-L6-v2 to 128 tokens, the others to 512), so
 * its 510-piece chunking never splits a text and ours must cut where it does
 * ({@link TokenReducedEmbeddingModel#keptPieces}). langchain4j's e5 model adds no "passage: " prefix and neither do we: the test gives both
 * the prefixed text, as a user of e5 would.
 */
class LongTextParityTest {

    private static final int PER_ENCODER = 6;
    private static final int CHUNK = 510;
    private static final Pattern W = Pattern.compile("(?ms)^\\.W\\n(.*?)(?=^\\.[A-Z]\\n|\\z)");

    @TestFactory
    List<DynamicTest> unreducedEqualsLangchain4jOnCranfieldDocumentsLongerThanOneChunk() throws IOException {
        List<String> docs = cranfieldDocuments();
        return List.of(
                parity(BundledEncoder.ALL_MINILM_L6_V2, AllMiniLmL6V2EmbeddingModel::new, 126, docs),
                parity(BundledEncoder.BGE_SMALL_EN_V15, BgeSmallEnV15EmbeddingModel::new, 510, docs),
                parity(BundledEncoder.E5_SMALL_V2, E5SmallV2EmbeddingModel::new, 510, docs));
    }

    /**
     * all-MiniLM-L6-v2 on ONNX Runtime through the exported graph (unreduced, float32) gives
     * langchain4j's vectors for the same long documents, within 1e-4, and the same token usage; with a
     * reduction attached it still embeds every document, at a cosine to langchain4j's above 0.9.
     */
    @TestFactory
    List<DynamicTest> exportedGraphOnOnnxRuntimeEqualsLangchain4j() throws IOException {
        List<TextSegment> segments = longest(BundledEncoder.ALL_MINILM_L6_V2, cranfieldDocuments());
        Response<List<Embedding>> theirs = new AllMiniLmL6V2EmbeddingModel().embedAll(segments);
        return List.of(DynamicTest.dynamicTest("unreduced", () -> {
            try (TokenReducedEmbeddingModel ours = TokenReducedEmbeddingModel.onOnnxRuntime(
                    BundledEncoder.ALL_MINILM_L6_V2, null, io.github.tokenreduce.djl.nn.Precision.FP32)) {
                Response<List<Embedding>> b = ours.embedAll(segments);
                assertEquals(theirs.tokenUsage().inputTokenCount(), b.tokenUsage().inputTokenCount(), "token usage");
                for (int i = 0; i < segments.size(); i++) {
                    double worst = TokenReducedEmbeddingModelTest.maxAbsDiff(theirs.content().get(i).vector(),
                            b.content().get(i).vector());
                    assertTrue(worst <= 1e-4, "document " + i + " differs by " + worst);
                }
            }
        }), DynamicTest.dynamicTest("crossget keep 0.8", () -> {
            try (TokenReducedEmbeddingModel ours = TokenReducedEmbeddingModel.onOnnxRuntime(
                    BundledEncoder.ALL_MINILM_L6_V2, io.github.tokenreduce.core.crossget.CrossGetReducer.builder()
                            .schedule(io.github.tokenreduce.core.Schedule.keepRatio(0.8, 64)).build(),
                    io.github.tokenreduce.djl.nn.Precision.FP32)) {
                Response<List<Embedding>> b = ours.embedAll(segments);
                for (int i = 0; i < segments.size(); i++) {
                    double cos = cosine(theirs.content().get(i).vector(), b.content().get(i).vector());
                    assertTrue(cos > 0.9 && cos < 0.99999, "document " + i + ": cosine " + cos + " (reduced, close)");
                }
            }
        }));
    }

    private static double cosine(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
        }
        return d; // both unit length
    }

    /** {@code kept}: the word pieces langchain4j embeds (its tokenizer's maximum length less [CLS] and [SEP]). */
    private static DynamicTest parity(BundledEncoder model, Supplier<EmbeddingModel> theirs, int kept,
            List<String> docs) {
        return DynamicTest.dynamicTest(model.modelName(), () -> {
            assertEquals(kept, TokenReducedEmbeddingModel.keptPieces(model), model.modelName() + ": pieces kept");
            List<TextSegment> segments = longest(model, docs);
            Response<List<Embedding>> a = theirs.get().embedAll(segments);
            try (TokenReducedEmbeddingModel ours = TokenReducedEmbeddingModel.of(model, null, ai.djl.Device.cpu())) {
                Response<List<Embedding>> b = ours.embedAll(segments);
                assertEquals(kept * segments.size(), a.tokenUsage().inputTokenCount(), model.modelName()
                        + ": langchain4j's token usage (its tokenizer truncates)");
                assertEquals(a.tokenUsage().inputTokenCount(), b.tokenUsage().inputTokenCount(),
                        model.modelName() + ": token usage");
                for (int i = 0; i < segments.size(); i++) {
                    double worst = TokenReducedEmbeddingModelTest.maxAbsDiff(a.content().get(i).vector(),
                            b.content().get(i).vector());
                    assertTrue(worst <= 1e-4, model.modelName() + " document " + i + " ("
                            + segments.get(i).text().length() + " chars) differs by " + worst);
                }
            }
        });
    }

    /** The {@link #PER_ENCODER} documents with the most word pieces, each more than one chunk long. */
    private static List<TextSegment> longest(BundledEncoder model, List<String> docs) throws IOException {
        record Sized(String text, int pieces) {}
        List<Sized> sized = new ArrayList<>();
        try (InputStream in = model.open(model.tokenizerResource());
                HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(in,
                        Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"))) {
            for (String d : docs) {
                String text = model.passagePrefix() + d;
                sized.add(new Sized(text, tok.encode(text).getIds().length));
            }
        }
        List<TextSegment> out = sized.stream().filter(s -> s.pieces() > CHUNK)
                .sorted(Comparator.comparingInt(Sized::pieces).reversed()).limit(PER_ENCODER)
                .map(s -> TextSegment.from(s.text())).toList();
        assertEquals(PER_ENCODER, out.size(), model.modelName() + ": Cranfield documents over " + CHUNK
                + " word pieces");
        return out;
    }

    /** Each non-empty {@code .W} section of {@code cran.all.1400}, trimmed. */
    private static List<String> cranfieldDocuments() throws IOException {
        String shared = System.getProperty("tokenreduce.shared");
        assertNotNull(shared, "set -Dtokenreduce.shared to the shared folder (the build does)");
        Path file = Paths.get(shared, "data", "cranfield", "cran.all.1400");
        String all = Files.readString(file, StandardCharsets.UTF_8).replace("\r", "");
        List<String> docs = new ArrayList<>();
        for (String record : all.split("(?m)^\\.I ")) {
            Matcher m = W.matcher(record);
            if (m.find() && !m.group(1).isBlank()) {
                docs.add(m.group(1).trim());
            }
        }
        assertTrue(docs.size() > 1000, "Cranfield documents read from " + file + ": " + docs.size());
        return docs;
    }
}
