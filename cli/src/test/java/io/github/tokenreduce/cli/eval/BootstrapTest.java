package io.github.tokenreduce.cli.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paired bootstrap intervals against hand-computed and textbook cases. */
class BootstrapTest {

    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        assertEquals(2.5, Bootstrap.quantile(new double[] {1, 2, 3, 4}, 0.5), 1e-12);
        assertEquals(15, Bootstrap.quantile(new double[] {10, 20, 30}, 0.25), 1e-12); // h = 0.5
        assertEquals(30, Bootstrap.quantile(new double[] {10, 20, 30}, 1), 1e-12);
    }

    @Test
    void aConstantPairedShiftHasAZeroWidthInterval() {
        // items differ a lot from each other, but every item gains exactly 0.2: pairing removes the spread
        double[] base = {0.1, 0.5, 0.9, 0.0, 0.7};
        double[] other = new double[base.length];
        for (int i = 0; i < base.length; i++) {
            other[i] = base[i] + 0.2;
        }
        Bootstrap.Interval d = Bootstrap.meanDifference(base, other, 500, 0.95, 1);
        assertEquals(0.2, d.estimate(), 1e-12);
        assertEquals(0.2, d.low(), 1e-12);
        assertEquals(0.2, d.high(), 1e-12);
    }

    @Test
    void lossesOnTenPercentOfItemsGiveTheNormalInterval() {
        // 400 items, 40 of them lost (1 → 0): difference -0.1, standard error sqrt(0.1 · 0.9 / 400) = 0.015
        double[] base = new double[400];
        double[] other = new double[400];
        for (int i = 0; i < 400; i++) {
            base[i] = 1;
            other[i] = i % 10 == 0 ? 0 : 1;
        }
        Bootstrap.Interval d = Bootstrap.meanDifference(base, other, 4000, 0.95, 7);
        assertEquals(-0.1, d.estimate(), 1e-12);
        assertEquals(-0.1 - 1.96 * 0.015, d.low(), 0.006);
        assertEquals(-0.1 + 1.96 * 0.015, d.high(), 0.006);
        assertEquals(d, Bootstrap.meanDifference(base, other, 4000, 0.95, 7), "seeded: the same interval again");
        assertEquals(d.scaled(100).low(), 100 * d.low(), 1e-9);
    }

    @Test
    void badInputIsNamed() {
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanDifference(new double[2], new double[3], 10, 0.95, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Bootstrap.paired(0, idx -> 0, 10, 0.95, 1));
        assertTrue(e.getMessage().contains("at least one item"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.paired(3, idx -> 0, 10, 1.5, 1));
    }
}
