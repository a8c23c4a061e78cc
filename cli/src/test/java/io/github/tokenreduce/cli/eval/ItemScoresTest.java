package io.github.tokenreduce.cli.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Per-item scores: a mean or a rank correlation on any resample of the items. */
class ItemScoresTest {

    @Test
    void meanAndSpearmanOnResamples() {
        ItemScores m = ItemScores.mean(new double[] {1, 0, 0.5});
        assertEquals(0.5, m.value(), 1e-12);
        assertEquals(2.5 / 3, m.on(new int[] {0, 0, 2}), 1e-12);
        ItemScores rho = new ItemScores(new double[] {0.1, 0.2, 0.3, 0.4}, new double[] {4, 3, 2, 1});
        assertEquals(-1, rho.value(), 1e-12);
        assertEquals(-1, rho.on(new int[] {0, 1, 1, 3}), 1e-12); // ties in both series: still perfectly reversed
    }

    @Test
    void aSystemAgainstItselfDiffersByNothing() {
        ItemScores rho = new ItemScores(new double[] {0.3, 0.1, 0.2, 0.9, 0.5}, new double[] {1, 2, 3, 4, 5});
        Bootstrap.Interval d = rho.difference(rho, 200, 0.95, 3);
        assertEquals(0, d.low(), 0);
        assertEquals(0, d.high(), 0);
        assertThrows(IllegalArgumentException.class, () -> rho.difference(ItemScores.mean(new double[] {1}), 10, 0.95, 1));
        assertThrows(IllegalArgumentException.class, () -> new ItemScores(new double[] {1, 2}, new double[] {1}));
    }
}
