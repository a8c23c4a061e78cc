package io.github.tokenreduce.cli.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.github.tokenreduce.cli.eval.UnitVectors.at;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Leave-one-out k-NN on unit vectors placed at known angles. */
class KnnClassificationTest {

    @Test
    void nearestNeighbourAndGroupExclusion() {
        // a0 0°, a1 10°, b0 90°, b1 100°, a2 75° (an 'a' among the b's)
        float[][] v = {at(0), at(10), at(90), at(100), at(75)};
        List<String> labels = List.of("a", "a", "b", "b", "a");
        assertArrayEquals(new double[] {1, 1, 1, 1, 0}, KnnClassification.leaveOneOut(v, labels, null, 1));
        // b0 and b1 from one group: each must look past the other, and finds a2 (an 'a') nearest
        List<String> groups = List.of("g1", "g2", "g", "g", "g3");
        assertArrayEquals(new double[] {1, 1, 0, 0, 0}, KnnClassification.leaveOneOut(v, labels, groups, 1));
        // k = 3 for a2: b0 (15°), b1 (25°), a1 (65°): two votes for b
        assertEquals(0, KnnClassification.leaveOneOut(v, labels, null, 3)[4]);
    }

    @Test
    void aTiedVoteGoesToTheLabelWithTheLargerSummedSimilarity() {
        // q (a) at 0°; neighbours b 5°, a 20°, a 25°, b 80°: votes 2–2, summed cosine a 1.846 > b 1.170,
        // although the single nearest is a b
        float[][] v = {at(0), at(5), at(20), at(25), at(80)};
        List<String> labels = List.of("a", "b", "a", "a", "b");
        assertEquals(1, KnnClassification.leaveOneOut(v, labels, null, 4)[0]);
    }

    @Test
    void badInputIsNamed() {
        float[][] v = {at(0), at(10)};
        assertThrows(IllegalArgumentException.class, () -> KnnClassification.leaveOneOut(v, List.of("a"), null, 1));
        assertThrows(IllegalArgumentException.class, () -> KnnClassification.leaveOneOut(v, List.of("a", "b"), null, 0));
        assertThrows(IllegalArgumentException.class,
                () -> KnnClassification.leaveOneOut(v, List.of("a", "b"), List.of("g", "g"), 1));
    }
}
