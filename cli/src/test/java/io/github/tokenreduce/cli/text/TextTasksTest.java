package io.github.tokenreduce.cli.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.djl.bert.BundledEncoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The text tasks on a hand-made data folder, with an embedder that knows only the texts a model
 * must be given: e5's "query: " / "passage: " prefixes (and none for the other models), the scores
 * computed by hand, ties in similarity ranked in file order, queries without judgements left out.
 */
class TextTasksTest {

    @TempDir
    static Path data;

    /** Unprefixed text → vector; e5 must be asked for the prefixed text. */
    private static final Map<String, float[]> QUERIES = Map.of(
            "a cat", new float[] {1, 0, 0}, "a dog", new float[] {1, 0, 0}, "a tree", new float[] {0.6f, 0.8f, 0},
            "a car", new float[] {-1, 0, 0},
            "find alpha", new float[] {1, 0, 0.5f}, "find beta", new float[] {0, 0, 0}, "nothing", new float[] {1, 0, 0});
    private static final Map<String, float[]> PASSAGES = Map.of(
            "alpha", new float[] {1, 0, 0}, "beta", new float[] {0, 1, 0}, "gamma", new float[] {0, 0, 1});

    @BeforeAll
    static void writeData() throws IOException {
        Files.createDirectories(data.resolve("stsb"));
        Files.writeString(data.resolve("stsb/stsb-en-dev.csv"), "a cat,a dog,4.0\na car,a tree,1.0\na cat,a tree,2.0\n");
        Files.createDirectories(data.resolve("sick"));
        String header = "pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment\n";
        Files.writeString(data.resolve("sick/SICK_trial.txt"), header + "1\ta cat\ta dog\t4.5\tNEUTRAL\n"
                + "2\ta car\ta tree\t1.2\tNEUTRAL\n");
        Files.writeString(data.resolve("sick/SICK_train.txt"), header + "3\ta cat\ta tree\t5.0\tNEUTRAL\n");
        Path cran = Files.createDirectories(data.resolve("cranfield"));
        Files.writeString(cran.resolve("cran.all.1400"), ".I 1\r\n.W\r\nalpha\r\n.I 2\r\n.W\r\nbeta\r\n.I 3\r\n.W\r\ngamma\r\n");
        Files.writeString(cran.resolve("cran.qry"), ".I 1\r\n.W\r\nfind alpha\r\n.I 2\r\n.W\r\nnothing\r\n.I 5\r\n.W\r\n"
                + "find beta\r\n");
        // query 1: doc 1 grade 4, doc 3 grade 2; query 2: none; query 3 (.I 5): doc 2 grade 1
        Files.writeString(cran.resolve("cranqrel"), "1 1 1\r\n1 3 3\r\n2 2 -1\r\n3 2 4\r\n");
    }

    /** An embedder that answers only for {@code model}'s prefixed texts and records what it was asked. */
    private static Function<List<String>, float[][]> embedder(BundledEncoder model, List<String> asked) {
        Map<String, float[]> known = new LinkedHashMap<>();
        QUERIES.forEach((k, v) -> known.put(model.queryPrefix() + k, v));
        PASSAGES.forEach((k, v) -> known.put(model.passagePrefix() + k, v));
        return texts -> {
            asked.addAll(texts);
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = known.get(texts.get(i));
                if (out[i] == null) {
                    throw new AssertionError(model + " was given '" + texts.get(i) + "', which it does not expect");
                }
            }
            return out;
        };
    }

    @Test
    void e5GetsItsPrefixesAndTheScoresAreTheHandComputedOnes() throws IOException {
        assertEquals("query: ", BundledEncoder.E5_SMALL_V2.queryPrefix()); // as the e5 model card asks
        assertEquals("passage: ", BundledEncoder.E5_SMALL_V2.passagePrefix());
        for (BundledEncoder model : List.of(BundledEncoder.E5_SMALL_V2, BundledEncoder.ALL_MINILM_L6_V2)) {
            List<String> asked = new ArrayList<>();
            TextTasks.Scores s = TextTasks.read(data, 0).score(model, embedder(model, asked));
            if (model == BundledEncoder.E5_SMALL_V2) {
                assertTrue(asked.contains("passage: alpha") && asked.contains("query: find alpha")
                        && asked.contains("query: a cat"), asked.toString());
            } else {
                assertTrue(asked.contains("alpha") && asked.contains("find alpha") && asked.contains("a cat"),
                        asked.toString());
            }
            // STS-B: cosines 1, -0.6, 0.6 against gold 4, 1, 2: the same order, ρ = 1
            assertEquals(1.0, s.stsb(), 1e-6, model + " STS-B");
            // SICK: cosines [1, -0.6, 0.6] → ranks [3, 1, 2]; gold [4.5, 1.2, 5] → ranks [2, 1, 3];
            // deviations [1, -1, 0] and [0, -1, 1]: ρ = 1 / 2
            assertEquals(0.5, s.sick(), 1e-6, model + " SICK");
            // query 1 ranks docs 1 (1.0), 3 (0.5), 2 (0): ideal, nDCG 1. Query 3's vector is 0: all tie and
            // rank in file order 1, 2, 3, its one relevant at place 2: nDCG = 1/log2(3) = 0.6309298.
            // Query 2 has no judgement: left out. Mean (1 + 0.6309298) / 2 = 0.8154649; recall@100 1.
            assertEquals((1 + Math.log(2) / Math.log(3)) / 2, s.ndcg10(), 1e-9, model + " nDCG@10");
            assertEquals(1.0, s.recall100(), 1e-12, model + " recall@100");
        }
    }

    @Test
    void aLimitKeepsOnlyTheJudgementsOfTheDocumentsKept() throws IOException {
        // documents 1, 2 and queries 1, 2: query 1's judgement of document 3 (not indexed) is dropped, so
        // nDCG = 1 and recall = 1 (kept, recall would be 1/2 and nDCG 4 / (4 + 2/log2(3)) = 0.76)
        TextTasks.Scores s = TextTasks.read(data, 2).score(BundledEncoder.E5_SMALL_V2,
                embedder(BundledEncoder.E5_SMALL_V2, new ArrayList<>()));
        assertEquals(1.0, s.ndcg10(), 1e-12);
        assertEquals(1.0, s.recall100(), 1e-12);
        assertEquals(1.0, s.stsb(), 1e-6); // two pairs in the same order
    }
}
