package io.github.tokenreduce.cli.measure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Times several contenders side by side in one run: warm-up rounds, then rounds in which every
 * contender runs once, in a fresh random order each round, so drift on a shared machine hits all
 * alike. Per contender: the median and spread of its times, peak resident memory (process-wide, reset
 * before each run), the most it grew during one run (the working set of a forward beyond what was
 * already resident: weights, inputs) and minor page faults per run.
 */
public final class Interleaved {

    /** One contender's timings. */
    public record Timing(double[] seconds, long peakRssBytes, long peakGrowthBytes, double faultsPerRun) {
        public double median() {
            return Interleaved.median(seconds);
        }

        public double min() {
            return Arrays.stream(seconds).min().orElse(Double.NaN);
        }

        public double max() {
            return Arrays.stream(seconds).max().orElse(Double.NaN);
        }
    }

    /** A contender: a name and one timed run. */
    public record Contender(String name, Runnable run) {}

    private Interleaved() {}

    /** The median of {@code v} (the mean of the middle two for an even count); {@code v} is left as it is. */
    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Runs {@code warmup} untimed and {@code rounds} timed interleaved rounds (seeded order). */
    public static Map<String, Timing> run(List<Contender> contenders, int warmup, int rounds, long seed,
            ProgressListener progress) {
        return run(contenders, warmup, rounds, seed, progress, System::nanoTime);
    }

    /** {@link #run(List, int, int, long, ProgressListener)} timed by {@code nanos} (a fake clock in tests). */
    static Map<String, Timing> run(List<Contender> contenders, int warmup, int rounds, long seed,
            ProgressListener progress, LongSupplier nanos) {
        Random rnd = new Random(seed);
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, Long> peak = new LinkedHashMap<>();
        Map<String, Long> growth = new LinkedHashMap<>();
        Map<String, Long> faults = new LinkedHashMap<>();
        for (Contender c : contenders) {
            times.put(c.name(), new ArrayList<>());
            peak.put(c.name(), 0L);
            growth.put(c.name(), 0L);
            faults.put(c.name(), 0L);
        }
        for (int round = 0; round < warmup + rounds; round++) {
            List<Contender> order = new ArrayList<>(contenders);
            Collections.shuffle(order, rnd);
            for (Contender c : order) {
                ProcessStats.resetPeak();
                long rss0 = ProcessStats.rss();
                long f0 = ProcessStats.minorFaults();
                long t0 = nanos.getAsLong();
                c.run().run();
                double s = (nanos.getAsLong() - t0) / 1e9;
                long f = ProcessStats.minorFaults() - f0;
                if (round >= warmup) {
                    times.get(c.name()).add(s);
                    long top = ProcessStats.peakRss();
                    peak.merge(c.name(), top, Math::max);
                    growth.merge(c.name(), Math.max(0, top - rss0), Math::max);
                    faults.merge(c.name(), f, Long::sum);
                }
                progress.step();
            }
        }
        Map<String, Timing> out = new LinkedHashMap<>();
        for (Contender c : contenders) {
            double[] s = times.get(c.name()).stream().mapToDouble(Double::doubleValue).toArray();
            out.put(c.name(), new Timing(s, peak.get(c.name()), growth.get(c.name()), (double) faults.get(c.name()) / Math.max(rounds, 1)));
        }
        return out;
    }

    /** Told after every run (for a progress bar). */
    @FunctionalInterface
    public interface ProgressListener {
        void step();

        ProgressListener NONE = () -> { };
    }
}
