package io.github.tokenreduce.cli.text;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.github.tokenreduce.cli.eval.UnitVectors.at;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Same-address retrieval on unit vectors at known angles. */
class PassageTaskTest {

    @Test
    void eachPassageRetrievesTheOthersOfItsAddress() {
        // g1: 0°, 5°; g2: 90°, 30°; g3: 200° alone (skipped). The 30° passage ranks 5°, 0°, 90°:
        // its one relevant passage third, nDCG = 1 / log2(4) = 0.5
        float[][] v = {at(0), at(5), at(90), at(30), at(200)};
        assertArrayEquals(new double[] {1, 1, 1, 0.5},
                PassageTask.sameGroupNdcg(v, List.of("g1", "g1", "g2", "g2", "g3"), 10), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> PassageTask.sameGroupNdcg(v, List.of("a", "b", "c", "d", "e"), 10));
    }
}
