package io.github.tokenreduce.cli.measure;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Speed-ups of configurations that do the same job, measured so that one doing exactly what the
 * baseline does reports 1: every configuration runs {@code warmup} times untimed first (none
 * absorbs the process's or its own warm-up), then {@code rounds} timed rounds interleave them in a
 * fresh random order ({@link Interleaved}). Each gets the median of its timed runs and the
 * baseline's median over it; the baseline is the first configuration.
 */
public final class Speedups {

    /** One configuration's timed runs: median, fastest, slowest (seconds) and speed-up over the baseline. */
    public record Entry(String label, double medianSeconds, double minSeconds, double maxSeconds, double speedup) {}

    private Speedups() {}

    /**
     * Times {@code configs} (label and one run each; labels unique, the first is the baseline).
     *
     * @param warmup untimed runs of each configuration first; at least 1
     * @param rounds timed runs of each; at least 1
     * @param seed seed of the round order
     * @return one entry per configuration, in the given order, by label
     */
    public static Map<String, Entry> measure(List<Interleaved.Contender> configs, int warmup, int rounds, long seed,
            Interleaved.ProgressListener progress) {
        return measure(configs, warmup, rounds, seed, progress, System::nanoTime);
    }

    /** {@link #measure(List, int, int, long, Interleaved.ProgressListener)} timed by {@code nanos}. */
    static Map<String, Entry> measure(List<Interleaved.Contender> configs, int warmup, int rounds, long seed,
            Interleaved.ProgressListener progress, LongSupplier nanos) {
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("configs: nothing to time; expected the baseline and the configurations "
                    + "to compare with it");
        }
        if (warmup < 1 || rounds < 1) {
            throw new IllegalArgumentException("warm-up and timed rounds must each be >= 1 (a first run is never timed) "
                    + "but were " + warmup + " and " + rounds);
        }
        Set<String> seen = new HashSet<>();
        for (Interleaved.Contender c : configs) {
            if (!seen.add(c.name())) {
                throw new IllegalArgumentException("configs: the label '" + c.name() + "' appears twice; labels must "
                        + "be unique");
            }
        }
        Map<String, Interleaved.Timing> t = Interleaved.run(configs, warmup, rounds, seed, progress, nanos);
        double base = t.get(configs.get(0).name()).median();
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Interleaved.Contender c : configs) {
            Interleaved.Timing x = t.get(c.name());
            out.put(c.name(), new Entry(c.name(), x.median(), x.min(), x.max(), base / x.median()));
        }
        return out;
    }
}
