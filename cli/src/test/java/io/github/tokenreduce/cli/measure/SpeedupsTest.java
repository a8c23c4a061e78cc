package io.github.tokenreduce.cli.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link Speedups} on a fake clock: configurations whose first runs are slow (the process's and
 * their own warm-up, as a JIT and a first forward are) report the ratio of their steady costs, so a
 * configuration that does what the baseline does reports exactly 1; and the rounds interleave.
 */
class SpeedupsTest {

    /** Nanoseconds of a fake clock that only the contenders advance, and the order they ran in. */
    private final AtomicLong now = new AtomicLong();
    private final List<String> calls = new ArrayList<>();
    private final Map<String, Integer> runsOf = new HashMap<>();

    /**
     * A contender costing {@code steady} ns per run, plus 1000× that on the first run of the whole
     * process and 10× on its own first run.
     */
    private Interleaved.Contender config(String label, long steady) {
        return new Interleaved.Contender(label, () -> {
            long cost = steady;
            if (calls.isEmpty()) {
                cost += 1000 * steady;
            }
            if (runsOf.merge(label, 1, Integer::sum) == 1) {
                cost += 10 * steady;
            }
            calls.add(label);
            now.addAndGet(cost);
        });
    }

    private Map<String, Speedups.Entry> measure(int warmup, int rounds, Interleaved.Contender... configs) {
        return Speedups.measure(List.of(configs), warmup, rounds, 42, Interleaved.ProgressListener.NONE, now::get);
    }

    @Test
    void aConfigurationThatDoesWhatTheBaselineDoesReportsOne() {
        Map<String, Speedups.Entry> s = measure(1, 1, config("unreduced", 1_000_000), config("tome 0.9", 1_000_000),
                config("tome 0.5", 400_000));
        assertEquals(1.0, s.get("unreduced").speedup(), 0);
        assertEquals(1.0, s.get("tome 0.9").speedup(), 0, "the same work, whatever ran first");
        assertEquals(2.5, s.get("tome 0.5").speedup(), 1e-12);
        assertEquals(1e-3, s.get("tome 0.9").medianSeconds(), 1e-15, "the steady cost: no warm-up in the timing");
    }

    @Test
    void everyConfigurationWarmsUpBeforeAnyIsTimedAndTheRoundsInterleave() {
        int warmup = 2;
        int rounds = 5;
        Map<String, Speedups.Entry> s = measure(warmup, rounds, config("a", 100), config("b", 200), config("c", 300));
        assertEquals(3 * (warmup + rounds), calls.size());
        Set<List<String>> orders = new HashSet<>();
        for (int r = 0; r < warmup + rounds; r++) {
            List<String> round = calls.subList(3 * r, 3 * r + 3);
            assertEquals(Set.of("a", "b", "c"), new HashSet<>(round), "round " + r + " runs each once: " + calls);
            orders.add(round);
        }
        assertTrue(orders.size() > 1, "the order changes between rounds: " + calls);
        assertEquals(100e-9, s.get("a").maxSeconds(), 1e-18, "no timed run paid a warm-up");
        assertEquals(3.0, s.get("a").speedup() / s.get("c").speedup(), 1e-12);
    }

    @Test
    void aFirstRunIsNeverTimedAndLabelsAreUnique() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> measure(0, 3, config("a", 1), config("b", 1)));
        assertTrue(e.getMessage().contains(">= 1") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> measure(1, 1, config("a", 1), config("a", 2)));
        assertTrue(e.getMessage().contains("'a' appears twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> measure(1, 1));
    }
}
