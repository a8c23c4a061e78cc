package io.github.tokenreduce.djl.defaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import org.junit.jupiter.api.Test;

/** {@link Defaults}: "auto" and a method without a level resolve to the documented values (docs/text-results.md). */
class DefaultsTest {

    @Test
    void autoIsEachEncodersDocumentedDefault() {
        // docs/text-results.md: CrossGET keep 0.9 from layer 3 (MiniLM); bge and e5 reduce nothing by
        // default (their level, keep 0.9 from layer 9, saved no measured time), but a named method gets it
        assertEquals(new ReducerSpec("crossget", Schedule.keepRatio(0.9, 64, 3), false, 1f),
                BundledEncoder.ALL_MINILM_L6_V2.reductionSpec("AUTO", null));
        for (BundledEncoder m : new BundledEncoder[] {BundledEncoder.BGE_SMALL_EN_V15, BundledEncoder.E5_SMALL_V2}) {
            assertNull(m.reductionSpec("auto", null), m.modelName());
            assertEquals(new ReducerSpec("crossget", Schedule.keepRatio(0.9, 64, 9), false, 1f),
                    m.reductionSpec("crossget", null), m.modelName());
        }
    }

    @Test
    void aMethodWithoutALevelTakesItsDefaultLevelAndALevelWins() {
        ReducerSpec tome = BundledEncoder.BGE_SMALL_EN_V15.reductionSpec("tome", null);
        assertEquals(new ReducerSpec("tome", Schedule.keepRatio(0.9, 64, 9), false, 1f), tome);
        assertEquals(Schedule.keepRatio(0.7, 64), BundledEncoder.E5_SMALL_V2.reductionSpec("auto", 0.7).schedule(),
                "a level given applies at every layer");
        assertEquals(new ReducerSpec("tome", Schedule.constant(16), true, 1f), Defaults.visionSpec("auto", null, true));
        assertEquals(Schedule.constant(8), Defaults.visionSpec("crossget", 8.0, true).schedule());
    }

    @Test
    void unknownMethodsAndLevelsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BundledEncoder.ALL_MINILM_L6_V2.reductionSpec("pumer", null));
        assertTrue(e.getMessage().contains("'pumer'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BundledEncoder.ALL_MINILM_L6_V2.reductionSpec("auto", 1.5));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
    }
}
