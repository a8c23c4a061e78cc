package io.github.tokenreduce.bench.text;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.djl.nn.Precision;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The frontier grid: every combination once, labels naming what differs from the text defaults. */
class TextConfigTest {

    @Test
    void gridCoversTheAblationAndLabelsEachPoint() {
        List<TextConfig> g = TextConfig.grid(List.of("tome", "crossget"), new double[] {0.8}, new int[] {0, 3},
                new int[] {0, 64}, new boolean[] {false, true}, List.of("cls", "mean"));
        // unreduced + tome 2·2·2 + crossget 2·2·2·2 (the mean guide only for CrossGET)
        assertEquals(1 + 8 + 16, g.size());
        assertEquals(g.size(), g.stream().map(TextConfig::label).distinct().count());
        assertEquals("unreduced", g.get(0).label());
        assertEquals(List.of("tome keep 0.8 floor 0", "tome keep 0.8 floor 0 prop-attn", "tome keep 0.8",
                "tome keep 0.8 prop-attn", "tome keep 0.8 from L3 floor 0"), g.subList(1, 6).stream().map(TextConfig::label).toList());
        TextConfig late = g.stream().filter(c -> c.label().equals("crossget keep 0.8 from L3 prop-attn mean-guide"))
                .findFirst().orElseThrow();
        assertEquals(true, late.proportional());
        assertEquals(false, late.reducer().activeAt(2));
        assertEquals(true, late.reducer().activeAt(3));
        assertEquals("CrossGET(" + Schedule.keepRatio(0.8, 64, 3) + ", AUTHORS, propAttn=true, PER_SAMPLE)",
                late.reducer().toString());
        List<TextConfig> meanOnly = TextConfig.grid(List.of("tome", "crossget"), new double[] {0.8}, new int[] {0},
                new int[] {64}, new boolean[] {false}, List.of("mean"));
        assertEquals(List.of("unreduced", "tome keep 0.8", "crossget keep 0.8 mean-guide"),
                meanOnly.stream().map(TextConfig::label).toList());
        assertThrows(IllegalArgumentException.class, () -> TextConfig.of("crossget", 0.8, 64, 0, false, "max"));
    }

    @Test
    void precisionsRepeatTheGridAfterTheFloat32Baseline() {
        List<TextConfig> g = TextConfig.grid(List.of("crossget"), new double[] {0.8, 0.9}, new int[] {0},
                new int[] {64}, new boolean[] {false}, List.of("cls"), List.of(Precision.FP32, Precision.BF16));
        assertEquals(List.of("unreduced", "crossget keep 0.8", "crossget keep 0.9", "unreduced bf16",
                "crossget keep 0.8 bf16", "crossget keep 0.9 bf16"), g.stream().map(TextConfig::label).toList());
        assertEquals(List.of(Precision.FP32, Precision.FP32, Precision.FP32, Precision.BF16, Precision.BF16,
                Precision.BF16), g.stream().map(TextConfig::precision).toList());
        assertEquals(null, g.get(3).reducer());
        assertEquals(g.get(1).reducer().toString(), g.get(4).reducer().toString());
        assertThrows(IllegalArgumentException.class, () -> TextConfig.grid(List.of("crossget"), new double[] {0.8},
                new int[] {0}, new int[] {64}, new boolean[] {false}, List.of("cls"), List.of(Precision.BF16)));
        assertThrows(IllegalArgumentException.class, () -> TextConfig.unreduced().in(Precision.AUTO));
    }
}
