package io.github.tokenreduce.cli.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** The metrics the accuracy figures rest on, against values computed by hand (arithmetic in the comments). */
class MetricsTest {

    private static final double LOG2_3 = Math.log(3) / Math.log(2); // 1.5849625
    private static final double LOG2_5 = Math.log(5) / Math.log(2); // 2.3219281

    @Test
    void ndcgWithGradedJudgements() {
        Map<Integer, Integer> grades = Map.of(10, 3, 20, 2, 30, 1);
        // DCG = 2/log2(2) + 0/log2(3) + 3/log2(4) + 1/log2(5) = 2 + 0 + 1.5 + 0.4306766 = 3.9306766
        // IDCG = 3/1 + 2/log2(3) + 1/log2(4) = 3 + 1.2618595 + 0.5 = 4.7618595; nDCG = 0.8254499
        assertEquals(0.8254499, Metrics.ndcg(List.of(20, 99, 10, 30), grades, 10), 1e-7);
        assertEquals((2 + 1.5 + 1 / LOG2_5) / (3 + 2 / LOG2_3 + 0.5), Metrics.ndcg(List.of(20, 99, 10, 30), grades, 10),
                1e-12);
        // the ideal order scores 1; the reverse order: (1 + 2/log2(3) + 3/2) / 4.7618595 = 0.7900
        assertEquals(1.0, Metrics.ndcg(List.of(10, 20, 30), grades, 10), 1e-12);
        assertEquals((1 + 2 / LOG2_3 + 1.5) / (3 + 2 / LOG2_3 + 0.5), Metrics.ndcg(List.of(30, 20, 10), grades, 10), 1e-12);
        // @1: only the first place counts, against the best grade: 2 / 3
        assertEquals(2.0 / 3, Metrics.ndcg(List.of(20, 10, 30), grades, 1), 1e-12);
    }

    @Test
    void ndcgWithBinaryJudgements() {
        Map<Integer, Integer> grades = Map.of(1, 1, 2, 1);
        // @2 of [3, 1, 4, 2]: DCG = 0 + 1/log2(3) = 0.6309298; IDCG = 1 + 1/log2(3) = 1.6309298; 0.3868528
        assertEquals(0.3868528, Metrics.ndcg(List.of(3, 1, 4, 2), grades, 2), 1e-7);
        // @10 the second hit counts too: (1/log2(3) + 1/log2(5)) / 1.6309298 = (0.6309298 + 0.4306766) / 1.6309298
        assertEquals((1 / LOG2_3 + 1 / LOG2_5) / (1 + 1 / LOG2_3), Metrics.ndcg(List.of(3, 1, 4, 2), grades, 10), 1e-12);
    }

    @Test
    void theIdealIsCutAtKToo() {
        // 12 relevant (grade 1), k = 10: two misses then ten hits; DCG = Σ_{i=2..9} 1/log2(i+2),
        // IDCG = Σ_{i=0..9} 1/log2(i+2) = 4.5442657; DCG = 4.5442657 - 1 - 0.6309298 = 2.9133360; 0.6410458
        Map<Integer, Integer> grades = new java.util.HashMap<>();
        List<Integer> ranking = new ArrayList<>(List.of(100, 101));
        for (int d = 1; d <= 12; d++) {
            grades.put(d, 1);
            ranking.add(d);
        }
        assertEquals(0.6410458, Metrics.ndcg(ranking, grades, 10), 1e-7);
        // every one of the 12 in the top 10 is as good as the ideal: 10 hits out of a possible 10
        assertEquals(1.0, Metrics.ndcg(ranking.subList(2, 14), grades, 10), 1e-12);
    }

    @Test
    void equalGradesAreInterchangeable() {
        // ties among the judgements: two grade-2 documents in either order give the same value
        Map<Integer, Integer> grades = Map.of(1, 2, 2, 2, 3, 1);
        double a = Metrics.ndcg(List.of(9, 1, 2, 3), grades, 10);
        double b = Metrics.ndcg(List.of(9, 2, 1, 3), grades, 10);
        assertEquals(a, b, 1e-15);
        // (2/log2(3) + 2/2 + 1/log2(5)) / (2 + 2/log2(3) + 1/2)
        assertEquals((2 / LOG2_3 + 1 + 1 / LOG2_5) / (2 + 2 / LOG2_3 + 0.5), a, 1e-12);
    }

    @Test
    void aNegativeGradeIsNotRelevantAndCostsNothing() {
        // grade -1 counts as 0: DCG = 0 + 2/log2(3) = 1.2618595; IDCG = 2; 0.6309298 (a -1 gain would give 0.1309)
        assertEquals(1 / LOG2_3, Metrics.ndcg(List.of(2, 1), Map.of(1, 2, 2, -1), 10), 1e-12);
        assertEquals(1.0, Metrics.recall(List.of(2, 1), Map.of(1, 2, 2, -1), 2), 1e-12);
    }

    @Test
    void recallCountsRelevantDocumentsInTheTopK() {
        Map<Integer, Integer> grades = Map.of(1, 3, 2, 1, 3, 2, 4, 0); // 3 relevant; a grade of 0 is not
        List<Integer> ranking = List.of(5, 1, 6, 3, 2);
        assertEquals(1.0 / 3, Metrics.recall(ranking, grades, 3), 1e-12); // top 3 = 5, 1, 6: one hit
        assertEquals(2.0 / 3, Metrics.recall(ranking, grades, 4), 1e-12); // + 3
        assertEquals(1.0, Metrics.recall(ranking, grades, 100), 1e-12); // a ranking shorter than k
        assertEquals(0.5, Metrics.recall(List.of(1, 7), Map.of(1, 1, 8, 1), 100), 1e-12); // binary, one of two
    }

    @Test
    void aQueryWithoutJudgementsHasNoScore() {
        // it is left out of the mean (as trec_eval does), not scored 0
        for (Map<Integer, Integer> none : List.of(Map.<Integer, Integer>of(), Map.of(1, 0, 2, -1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Metrics.ndcg(List.of(1, 2), none, 10));
            assertTrue(e.getMessage().contains("no relevant document"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Metrics.recall(List.of(1, 2), none, 100));
        }
    }

    @Test
    void aDocumentRankedTwiceOrAnEmptyCutIsAnError() {
        // counted twice, nDCG would be (1 + 1/log2(3)) / 1 = 1.63 and recall 2
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Metrics.ndcg(List.of(1, 1), Map.of(1, 1), 10));
        assertTrue(e.getMessage().contains("document 1 appears twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Metrics.recall(List.of(1, 1), Map.of(1, 1, 2, 1), 10));
        assertThrows(IllegalArgumentException.class, () -> Metrics.ndcg(List.of(1), Map.of(1, 1), 0));
        assertThrows(IllegalArgumentException.class, () -> Metrics.recall(List.of(1), Map.of(1, 1), 0));
    }

    @Test
    void spearmanGivesTiesTheirAverageRank() {
        // a = [1, 2, 2, 3, 5] → ranks [1, 2.5, 2.5, 4, 5]; b = [2, 1, 4, 4, 6] → ranks [2, 1, 3.5, 3.5, 5]
        // deviations from 3: [-2, -.5, -.5, 1, 2] and [-1, -2, .5, .5, 2]
        // Σxy = 2 + 1 - .25 + .5 + 4 = 7.25; Σx² = Σy² = 9.5; ρ = 7.25 / 9.5 = 0.7631579
        // (scipy.stats.spearmanr([1,2,2,3,5], [2,1,4,4,6]) = 0.7631578947368421)
        assertEquals(7.25 / 9.5, Metrics.spearman(new double[] {1, 2, 2, 3, 5}, new double[] {2, 1, 4, 4, 6}), 1e-12);
        assertEquals(0.7631578947368421, Metrics.spearman(new double[] {1, 2, 2, 3, 5}, new double[] {2, 1, 4, 4, 6}),
                1e-12);
        // scipy.stats.spearmanr([.1, .4, .4, .4, .9, .2], [1, 3, 2, 2, 5, 1]) = 0.9379580992210835
        assertEquals(0.9379580992210835, Metrics.spearman(new double[] {.1, .4, .4, .4, .9, .2},
                new double[] {1, 3, 2, 2, 5, 1}), 1e-12);
        // monotone but not linear: 1; reversed: -1
        assertEquals(1.0, Metrics.spearman(new double[] {1, 2, 3, 4}, new double[] {1, 8, 27, 1000}), 1e-12);
        assertEquals(-1.0, Metrics.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
        assertEquals(List.of(1.0, 2.5, 2.5, 4.0, 5.0), IntStream.range(0, 5).mapToObj(i ->
                Metrics.ranks(new double[] {1, 2, 2, 3, 5})[i]).toList());
    }

    @Test
    void spearmanOfAConstantSeriesIsUndefined() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Metrics.spearman(new double[] {1, 2, 3}, new double[] {4, 4, 4}));
        assertTrue(e.getMessage().contains("constant"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Metrics.spearman(new double[] {1, Double.NaN, 3}, new double[] {1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> Metrics.spearman(new double[] {1}, new double[] {1}));
    }
}
