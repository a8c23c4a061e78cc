package io.github.tokenreduce.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import org.junit.jupiter.api.Test;

class ScheduleTest {

    @Test
    void inflectionExpandsLikeToMeParseR() {
        // (16, -1) over 12 layers: lo = 32, hi = 0, step -32/11, truncated
        int[] expected = new int[12];
        for (int i = 0; i < 12; i++) {
            expected[i] = (int) (32 - 32.0 / 11 * i);
        }
        Schedule s = Schedule.inflection(16, -1, 12);
        int[] got = new int[12];
        for (int i = 0; i < 12; i++) {
            got[i] = s.removals(i, 1000);
        }
        assertArrayEquals(expected, got);
        assertEquals(32, got[0]);
        assertEquals(0, got[11]);
        assertEquals(16, Schedule.inflection(16, 0, 12).removals(5, 1000));
    }

    @Test
    void perLayerKeepRatioAndDynamic() {
        Schedule p = Schedule.perLayer(3, 0, 5);
        assertEquals(3, p.removals(0, 10));
        assertEquals(0, p.removals(1, 10));
        assertEquals(0, p.removals(7, 10));
        assertEquals(25, Schedule.keepRatio(0.75).removals(0, 100));
        Schedule late = Schedule.keepRatio(0.75, 64, 2); // layers 0, 1 whole; then 25% of 100, floor 64
        assertEquals(0, late.removals(1, 100));
        assertTrue(!late.activeAt(1));
        assertEquals(25, late.removals(2, 100));
        assertTrue(late.activeAt(2));
        assertEquals(85 - 64, late.removals(5, 85)); // round(0.75 · 85) = 64: the floor
        Schedule d = Schedule.dynamic(2, 5);
        assertTrue(d.isDynamic());
        assertTrue(d.activeAt(5));
        assertTrue(!d.activeAt(3));
        assertTrue(!Schedule.constant(1).isDynamic());
    }

    @Test
    void tomeOnViTB16TokenCountsFollowTheSpec() {
        // ToMe's schedule (Bolya et al., ICLR 2023): 197 → 181 → … → 21 → 11 over 12 blocks with r = 16
        int[] counts = run(ToMeReducer.builder().r(16).build(), 197, false);
        assertEquals(197 - 16, counts[0]);
        assertEquals(21, counts[10]);
        assertEquals(11, counts[11]);
    }

    @Test
    void crossGetOnViTB16TokenCountsFollowTheSpec() {
        // CrossGET's schedule (the authors' code): 198 (197 + cross) → 182 → … → 22 → 12, step min(16, (t - 2) // 2)
        int[] counts = run(CrossGetReducer.builder().r(16).build(), 198, true);
        int t = 198;
        for (int layer = 0; layer < 12; layer++) {
            t -= Math.min(16, (t - 2) / 2);
            assertEquals(t, counts[layer], "layer " + layer);
        }
        assertEquals(12, counts[11]);
    }

    private static int[] run(TokenReducer red, int n, boolean cross) {
        int[] out = new int[12];
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(29);
            TokenSet t = TokenSet.builder(m.randomNormal(new Shape(1, n, 8)))
                    .protect(cross ? new int[] {0, -1} : new int[] {0}).build();
            for (int layer = 0; layer < 12; layer++) {
                SiteInputs in = SiteInputs.builder().metric(m.randomNormal(new Shape(1, t.length(), 8)))
                        .guide(m.randomNormal(new Shape(1, 8))).build();
                t = red.reduce(t, in, layer).tokens();
                out[layer] = t.length();
            }
        }
        return out;
    }
}
