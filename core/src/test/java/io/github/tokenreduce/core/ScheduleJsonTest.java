package io.github.tokenreduce.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

/** Schedules and reducer specs survive a JSON round trip; malformed JSON is named. */
class ScheduleJsonTest {

    @TempDir
    Path tmp;

    @Test
    void everyScheduleRoundTrips() {
        for (Schedule s : List.of(Schedule.constant(16), Schedule.perLayer(24, 18, 13, 8), Schedule.inflection(16, -0.5, 4),
                Schedule.keepRatio(0.8, 64), Schedule.keepRatio(0.7, 64, 3), Schedule.dynamic(2, 5, 8), Schedule.dynamic())) {
            Schedule back = Schedule.fromJson(s.toJson().toString());
            assertEquals(s, back);
            for (int layer = 0; layer < 10; layer++) {
                for (int n : new int[] {10, 197, 512}) {
                    assertEquals(s.removals(layer, n), back.removals(layer, n), s + " at layer " + layer + ", N " + n);
                }
                assertEquals(s.activeAt(layer), back.activeAt(layer));
            }
            assertEquals(s.isDynamic(), back.isDynamic());
        }
        assertEquals("{\"type\":\"perLayer\",\"r\":[24,18,13,8]}", Schedule.inflection(16, -0.5, 4).toJson().toString());
    }

    @Test
    void malformedSchedulesAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.fromJson("{\"type\":\"zigzag\"}"))
                .getMessage().contains("unknown type 'zigzag'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.fromJson("{\"type\":\"constant\"}"))
                .getMessage().contains("malformed constant"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.fromJson("{\"type\":\"perLayer\",\"r\":[1,-2]}"))
                .getMessage().contains("must be >= 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Schedule.fromJson("[1,2"))
                .getMessage().contains("schedule:"));
    }

    @Test
    void specsRoundTripThroughAFileAndBuildTheirMethod() throws Exception {
        ReducerSpec spec = new ReducerSpec("crossget", Schedule.keepRatio(0.8, 64), false, 1f);
        Path f = tmp.resolve("schedule.json");
        spec.write(f);
        ReducerSpec back = ReducerSpec.read(f);
        assertEquals(spec, back);
        TokenReducer r = back.reducer();
        assertTrue(r instanceof CrossGetReducer);
        assertEquals(false, r.proportionalAttention());
        ReducerSpec madtp = ReducerSpec.fromJson("{\"method\":\"MADTP\",\"schedule\":{\"type\":\"dynamic\"},\"temperature\":0.7}");
        assertEquals(0.7f, ((MadtpReducer) madtp.reducer()).temperature(), 1e-7f);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ReducerSpec.fromJson("{\"method\":\"fastmerge\",\"schedule\":{\"type\":\"constant\",\"r\":1}}"))
                .getMessage().contains("unknown method 'fastmerge'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ReducerSpec.fromJson("{\"method\":\"tome\",\"schedule\":{\"type\":\"dynamic\"}}"))
                .getMessage().contains("fixed-count schedule"));
    }

    /** MADTP's keep cap travels in the spec and builds a capped step; it is refused where it means nothing. */
    @Test
    void aMadtpKeepCapRoundTripsAndIsRefusedElsewhere() {
        ReducerSpec capped = new ReducerSpec("madtp", Schedule.dynamic(), false, 0.7f, 98);
        assertTrue(capped.toJson().toString().contains("\"keepCap\":98"), capped.toJson().toString());
        assertEquals(capped, ReducerSpec.fromJson(capped.toJson().toString()));
        assertTrue(capped.reducer().toString().contains("cap=98"), capped.reducer().toString());
        assertEquals(0, ReducerSpec.fromJson("{\"method\":\"madtp\",\"schedule\":{\"type\":\"dynamic\"}}").keepCap());
        String[][] bad = {
            {"{\"method\":\"tome\",\"schedule\":{\"type\":\"constant\",\"r\":1},\"keepCap\":4}", "keepCap 4 for tome"},
            {"{\"method\":\"madtp\",\"schedule\":{\"type\":\"dynamic\"},\"keepCap\":1.5}", "whole number"},
            {"{\"method\":\"madtp\",\"schedule\":{\"type\":\"dynamic\"},\"keepCap\":-2}", "whole number"},
            {"{\"method\":\"madtp\",\"schedule\":{\"type\":\"constant\",\"r\":4},\"keepCap\":8}",
                "caps the learned threshold's counts"},
        };
        for (String[] b : bad) {
            String msg = assertThrows(IllegalArgumentException.class, () -> ReducerSpec.fromJson(b[0])).getMessage();
            assertTrue(msg.contains(b[1]), b[0] + " -> " + msg);
        }
    }

    @Test
    void anOversizedSpecFileIsRefusedUnread() throws Exception {
        Path big = tmp.resolve("big.json");
        java.nio.file.Files.write(big, new byte[(1 << 20) + 1]);
        String msg = assertThrows(IllegalArgumentException.class, () -> ReducerSpec.read(big)).getMessage();
        assertTrue(msg.contains("is 1048577 bytes; a spec file is at most 1048576 bytes"), msg);
    }
}
