package io.github.tokenreduce.djl.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.defaults.Defaults;
import org.junit.jupiter.api.Test;

class ReductionArgumentTest {

    @Test
    void noneOrAbsentAttachesNothing() {
        assertTrue(ReductionArgument.parse(null).isNone());
        assertTrue(ReductionArgument.parse(" None ").isNone());
        assertNull(ReductionArgument.parse("none").visionSpec());
        assertNull(ReductionArgument.parse("none").textSpec(null));
    }

    @Test
    void methodAndLevelAsTheCommandLine() {
        assertEquals(Defaults.visionSpec("crossget", 16.0, true), ReductionArgument.parse("CrossGET:16").visionSpec());
        assertEquals(Defaults.visionSpec("tome", null, true), ReductionArgument.parse("auto").visionSpec());
        assertEquals(BundledEncoder.ALL_MINILM_L6_V2.reductionSpec("auto", null),
                ReductionArgument.parse("auto").textSpec(BundledEncoder.ALL_MINILM_L6_V2));
        ReducerSpec text = ReductionArgument.parse("tome:0.8").textSpec(null);
        assertEquals("tome", text.method());
        assertEquals(BundledEncoder.ALL_MINILM_L6_V2.reductionSpec("tome", 0.8).schedule(), text.schedule());
    }

    @Test
    void badValuesNameWhatWasWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReductionArgument.parse("merge:16"))
                .getMessage().contains("unknown method 'merge'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReductionArgument.parse("tome:"))
                .getMessage().contains("no number after the colon"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReductionArgument.parse("crossget:16")
                .textSpec(null)).getMessage().contains("(0, 1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReductionArgument.parse("auto").textSpec(null))
                .getMessage().contains("only the bundled encoders"));
    }
}
