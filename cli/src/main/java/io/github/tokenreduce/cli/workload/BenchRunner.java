package io.github.tokenreduce.cli.workload;

import io.github.tokenreduce.cli.measure.Interleaved;
import io.github.tokenreduce.cli.measure.ProcessStats;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.nn.Precision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Times a workload unreduced, with each method at each level, and with its peer, interleaved in one
 * run ({@link Interleaved}), and relates each time to the FLOPs of the schedule it actually applied.
 * Optionally each float32 and int8 configuration also runs as the workload's exported ONNX graph in ONNX
 * Runtime ({@link Workload#exported}), in the same rounds.
 */
public final class BenchRunner {

    /** The engine of the eager configurations. */
    public static final String PYTORCH = "pytorch";
    /** The engine of the peer and of the exported graphs; also their labels' prefix. */
    public static final String ONNXRUNTIME = "onnxruntime";

    /** One configuration's measurement; {@code engine} is {@link #PYTORCH} or {@link #ONNXRUNTIME}. */
    public record Row(String label, String engine, String method, double level, Precision precision, double medianSeconds, double minSeconds,
            double maxSeconds, double itemsPerSecond, double speedup, double speedupInPrecision, double vsPeer,
            double gflops,
            double flopsIdeal, long peakRssBytes, long peakGrowthBytes, double faultsPerRun, int[] tokensPerLayer,
            Fidelity vsFp32) {

        /**
         * Measured speed-up over the unreduced model at the same precision on the same engine, against the
         * FLOPs-ideal one (1 = at the FLOPs limit).
         */
        public double efficiency() {
            return flopsIdeal == 0 ? Double.NaN : speedupInPrecision / flopsIdeal;
        }
    }

    /**
     * A low-precision configuration against the float32 one with the same method and level: the
     * smallest and the mean cosine between corresponding output rows, the largest absolute difference,
     * and whether every layer kept the same number of tokens.
     */
    public record Fidelity(double minCosine, double meanCosine, double maxAbsError, boolean sameTokens) {

        static Fidelity of(float[][] reference, float[][] low, int[] referenceTokens, int[] lowTokens) {
            double minCos = 1;
            double sumCos = 0;
            double maxErr = 0;
            for (int i = 0; i < reference.length; i++) {
                double dot = 0;
                double na = 0;
                double nb = 0;
                for (int j = 0; j < reference[i].length; j++) {
                    dot += (double) reference[i][j] * low[i][j];
                    na += (double) reference[i][j] * reference[i][j];
                    nb += (double) low[i][j] * low[i][j];
                    maxErr = Math.max(maxErr, Math.abs(reference[i][j] - low[i][j]));
                }
                double cos = dot / Math.sqrt(na * nb);
                minCos = Math.min(minCos, cos);
                sumCos += cos;
            }
            return new Fidelity(minCos, sumCos / reference.length, maxErr, java.util.Arrays.equals(referenceTokens, lowTokens));
        }
    }

    /**
     * A workload's results.
     *
     * @param loadedRssBytes resident memory with the model loaded, before its first forward
     * @param workingSetBytes how far the first unreduced forward raised the peak above that: the
     *     forward's working set over the weights
     */
    public record Result(String workload, String unit, int items, List<Row> rows, Row peer, long loadedRssBytes,
            long workingSetBytes) {}

    private BenchRunner() {}

    /**
     * Runs {@code methods} × {@code levels} (plus unreduced) at each of {@code precisions}, and the peer
     * if any; with {@code onnxRuntime}, also the float32 and int8 ones as exported graphs in ONNX Runtime where the
     * workload exports. Speed-ups are over the float32 unreduced model; float32 configurations keep their
     * plain labels ("unreduced", "tome r=16"), others are prefixed with the precision ("bf16 tome r=16")
     * or the engine ("onnxruntime tome r=16", "onnxruntime int8 tome r=16"; their speed-up in precision is over
     * "onnxruntime unreduced" or "onnxruntime int8 unreduced",
     * their fidelity against the eager float32 configuration).
     */
    public static Result run(Workload w, List<String> methods, List<Double> levels, List<Precision> precisions,
            boolean onnxRuntime, int warmup, int rounds, long seed, Interleaved.ProgressListener progress) {
        for (String m : methods) {
            if (!w.methods().contains(m)) {
                throw new IllegalArgumentException("method: " + m + " does not apply to " + w.describe() + "; try "
                        + w.methods());
            }
        }
        Map<String, Workload.Forward> forwards = new LinkedHashMap<>();
        Map<String, String> methodOf = new LinkedHashMap<>();
        Map<String, Double> levelOf = new LinkedHashMap<>();
        Map<String, Precision> precisionOf = new LinkedHashMap<>();
        Map<String, String> reference = new LinkedHashMap<>(); // what a configuration's outputs are compared with
        List<Precision> all = new ArrayList<>(List.of(Precision.FP32));
        precisions.stream().filter(p -> !all.contains(p)).forEach(all::add);
        for (Precision p : all) {
            String prefix = p == Precision.FP32 ? "" : p.label() + " ";
            forwards.put(prefix + "unreduced", w.prepare(null, p));
            methodOf.put(prefix + "unreduced", "unreduced");
            levelOf.put(prefix + "unreduced", 0.0);
            precisionOf.put(prefix + "unreduced", p);
            for (String m : methods) {
                for (double level : levels) {
                    TokenReducer r = w.reducer(m, level);
                    String label = prefix + m + " " + format(level);
                    forwards.put(label, w.prepare(r, p));
                    methodOf.put(label, m);
                    levelOf.put(label, level);
                    precisionOf.put(label, p);
                    if (p != Precision.FP32) {
                        reference.put(label, m + " " + format(level));
                    }
                }
            }
            if (p != Precision.FP32) {
                reference.put(prefix + "unreduced", "unreduced");
            }
        }
        if (onnxRuntime) {
            for (String k : List.copyOf(forwards.keySet())) {
                Precision p = precisionOf.get(k);
                if (p != Precision.FP32 && p != Precision.INT8) {
                    continue; // ONNX Runtime's CPU provider has no bfloat16 products
                }
                Optional<Workload.Forward> ort;
                try {
                    ort = w.exported(methodOf.get(k).equals("unreduced") ? null
                            : w.reducer(methodOf.get(k), levelOf.get(k)), p);
                } catch (UnsupportedOperationException e) { // a method the graph cannot express: said, not timed
                    System.err.println("tokenreduce bench: no ONNX Runtime row for " + k + ": " + e.getMessage());
                    continue;
                }
                if (ort.isEmpty()) {
                    break; // this workload has no export
                }
                String label = ONNXRUNTIME + " " + k;
                forwards.put(label, ort.get());
                methodOf.put(label, methodOf.get(k));
                levelOf.put(label, levelOf.get(k));
                precisionOf.put(label, p);
                reference.put(label, reference.getOrDefault(k, k)); // the eager float32 configuration
            }
        }
        ProcessStats.resetPeak();
        long loaded = ProcessStats.rss();
        forwards.get("unreduced").run();
        long workingSet = Math.max(0, ProcessStats.peakRss() - loaded);
        Map<String, int[]> tokens = new LinkedHashMap<>();
        Map<String, Double> flops = new LinkedHashMap<>();
        for (Map.Entry<String, Workload.Forward> e : forwards.entrySet()) {
            int[] t = e.getValue().run(); // also a first warm-up
            tokens.put(e.getKey(), t);
            flops.put(e.getKey(), e.getValue().flops(t));
        }
        List<Interleaved.Contender> contenders = new ArrayList<>();
        forwards.forEach((k, f) -> contenders.add(new Interleaved.Contender(k, f::run)));
        w.peer().ifPresent(p -> contenders.add(new Interleaved.Contender(w.peerName(), p)));
        Map<String, Interleaved.Timing> t = Interleaved.run(contenders, warmup, rounds, seed, progress);
        double base = t.get("unreduced").median();
        Interleaved.Timing peerTiming = w.peer().isPresent() ? t.get(w.peerName()) : null;
        Map<String, Fidelity> fidelity = new LinkedHashMap<>();
        reference.forEach((k, ref) -> {
            float[][] own = forwards.get(k).outputs();
            if (own != null) { // null: outputs not comparable with the reference's (checked when exported)
                fidelity.put(k, Fidelity.of(forwards.get(ref).outputs(), own, tokens.get(ref), tokens.get(k)));
            }
        });
        List<Row> rows = new ArrayList<>();
        for (String k : forwards.keySet()) {
            Interleaved.Timing x = t.get(k);
            Precision p = precisionOf.get(k);
            String engine = k.startsWith(ONNXRUNTIME + " ") ? ONNXRUNTIME : PYTORCH;
            String own = (engine.equals(ONNXRUNTIME) ? ONNXRUNTIME + " " : "") + (p == Precision.FP32 ? "" : p.label() + " ");
            double samePrecision = t.get(own + "unreduced").median();
            rows.add(new Row(k, engine, methodOf.get(k), levelOf.get(k), precisionOf.get(k), x.median(), x.min(), x.max(), w.items() / x.median(),
                    base / x.median(), samePrecision / x.median(), peerTiming == null ? Double.NaN : peerTiming.median() / x.median(),
                    flops.get(k) / 1e9, flops.get("unreduced") / flops.get(k), x.peakRssBytes(), x.peakGrowthBytes(), x.faultsPerRun(),
                    tokens.get(k), fidelity.get(k)));
        }
        Row peer = peerTiming == null ? null : new Row(w.peerName(), ONNXRUNTIME, "peer", 0, Precision.FP32, peerTiming.median(), peerTiming.min(),
                peerTiming.max(), w.items() / peerTiming.median(), base / peerTiming.median(), Double.NaN, 1, Double.NaN,
                Double.NaN, peerTiming.peakRssBytes(), peerTiming.peakGrowthBytes(), peerTiming.faultsPerRun(), new int[0], null);
        return new Result(w.describe(), w.unit(), w.items(), rows, peer, loaded, workingSet);
    }

    static String format(double level) {
        return level == Math.rint(level) ? "r=" + (long) level : "keep " + level;
    }
}
