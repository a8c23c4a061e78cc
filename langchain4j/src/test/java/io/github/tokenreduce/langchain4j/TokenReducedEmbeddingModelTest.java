package io.github.tokenreduce.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.CosineSimilarity;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import org.junit.jupiter.api.Test;

import java.util.List;

/** The reduced models through langchain4j's own API, against langchain4j's own models. */
class TokenReducedEmbeddingModelTest {

    private static final List<TextSegment> SEGMENTS = List.of(
            TextSegment.from("A man is playing a guitar."),
            TextSegment.from("The boundary layer separates from the wing at high angles of attack."),
            TextSegment.from("Two dogs run across a snowy field while a child watches from the porch."));

    @Test
    void unreducedEqualsLangchain4jsOwnModels() {
        compare(new AllMiniLmL6V2EmbeddingModel(), TokenReducedEmbeddingModel.allMiniLmL6V2(null), "all-minilm-l6-v2");
        compare(new BgeSmallEnV15EmbeddingModel(), TokenReducedEmbeddingModel.bgeSmallEnV15(null), "bge-small-en-v1.5");
    }

    private static void compare(EmbeddingModel theirs, TokenReducedEmbeddingModel ours, String name) {
        try (ours) {
            assertEquals(name, ours.modelName());
            assertEquals(384, ours.dimension());
            Response<List<Embedding>> a = theirs.embedAll(SEGMENTS);
            Response<List<Embedding>> b = ours.embedAll(SEGMENTS);
            assertEquals(a.tokenUsage().inputTokenCount(), b.tokenUsage().inputTokenCount(), "token usage");
            for (int i = 0; i < SEGMENTS.size(); i++) {
                double worst = maxAbsDiff(a.content().get(i).vector(), b.content().get(i).vector());
                assertTrue(worst < 1e-4, name + " segment " + i + " differs by " + worst);
            }
            float[] single = ours.embed("A man is playing a guitar.").content().vector();
            assertTrue(Math.abs(dot(single, b.content().get(0).vector()) - 1) < 1e-5, "embed(String) = embedAll");
        }
    }

    @Test
    void aReducedModelRetrievesThroughLangchain4jsTypes() {
        String longText = "The boundary layer on a swept wing thickens towards the tip, and at high angles of attack "
                + "it separates first near the trailing edge. Experiments in a low-speed wind tunnel measured the "
                + "pressure distribution over the span and the onset of separation for several sweep angles, and the "
                + "results are compared with a simple integral method for three-dimensional laminar boundary layers "
                + "which predicts the separation line well away from the root.";
        try (TokenReducedEmbeddingModel reduced = TokenReducedEmbeddingModel.allMiniLmL6V2(
                CrossGetReducer.builder().schedule(Schedule.keepRatio(0.85, 48)).build());
                TokenReducedEmbeddingModel plain = TokenReducedEmbeddingModel.allMiniLmL6V2(null)) {
            float[] r = reduced.embed(longText).content().vector();
            float[] p = plain.embed(longText).content().vector();
            double cos = dot(r, p);
            assertTrue(cos > 0.9 && cos < 0.99999, "reduction changes the long text's vector a little: cos " + cos);
            // short texts are left whole by the schedule's 48-token floor
            assertTrue(dot(reduced.embed("A man is playing a guitar.").content().vector(),
                    plain.embed("A man is playing a guitar.").content().vector()) > 0.99999);

            List<TextSegment> docs = List.of(TextSegment.from(longText), TextSegment.from("A cat sleeps on the sofa."),
                    TextSegment.from("Stock markets fell sharply on Monday."));
            List<Embedding> vectors = reduced.embedAll(docs).content();
            Embedding query = reduced.embed("where does the boundary layer separate on a swept wing?").content();
            int best = 0;
            for (int i = 1; i < vectors.size(); i++) {
                if (CosineSimilarity.between(query, vectors.get(i)) > CosineSimilarity.between(query, vectors.get(best))) {
                    best = i;
                }
            }
            assertEquals(0, best, "the aerodynamics passage answers the aerodynamics question");
        }
    }

    @Test
    void badInputIsRefusedClearly() {
        try (TokenReducedEmbeddingModel m = TokenReducedEmbeddingModel.allMiniLmL6V2(null)) {
            String msg = assertThrows(IllegalArgumentException.class, () -> m.embed("   ")).getMessage();
            assertTrue(msg.contains("blank") || msg.contains("empty"), msg);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenReducedEmbeddingModel.allMiniLmL6V2(PumerReducer.builder().build()));
        assertTrue(e.getMessage().contains("one modality"), e.getMessage());
    }

    /** The largest absolute difference of two same-length vectors. */
    static double maxAbsDiff(float[] x, float[] y) {
        assertEquals(x.length, y.length, "vector lengths");
        double worst = 0;
        for (int j = 0; j < x.length; j++) {
            worst = Math.max(worst, Math.abs(x[j] - y[j]));
        }
        return worst;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
