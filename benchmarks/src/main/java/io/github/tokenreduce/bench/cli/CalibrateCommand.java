package io.github.tokenreduce.bench.cli;

import io.github.tokenreduce.bench.data.StsDatasets;
import io.github.tokenreduce.bench.data.StsPair;
import io.github.tokenreduce.bench.eval.Metrics;
import io.github.tokenreduce.bench.text.TextTasks;
import io.github.tokenreduce.bench.workload.Workload;
import io.github.tokenreduce.core.ReducerSpec;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tokenreduce calibrate}: the schedule that meets a budget, found by searching methods and
 * levels, then (for vision models) refining the schedule layer by layer; written as a
 * {@link ReducerSpec} file the library loads.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Chooses a method and schedule for a budget:",
            "  latency=MS   the most faithful configuration whose forward takes at most MS milliseconds",
            "  fidelity=C   the fastest (by FLOPs) whose outputs keep a mean cosine of at least C to the unreduced model's",
            "  drop=P       the fastest whose accuracy drops at most P points (sentence encoders: Spearman on --data)",
            "Writes schedule.json (load it with ReducerSpec.read) and report.md."})
public final class CalibrateCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model folder/file, a bundled encoder, random-clip or random-blip.")
    String model;

    @Option(names = "--budget", required = true, description = "latency=MS, fidelity=COSINE or drop=POINTS.")
    String budget;

    @Option(names = "--methods", split = ",", description = "Methods to search (default: all that apply).")
    List<String> methods;

    @Option(names = "--batch", description = "Batch size of the calibration inputs.")
    Integer batch;

    @Option(names = "--docs", defaultValue = "32", description = "Calibration documents for a sentence encoder.")
    int docs;

    @Option(names = "--data", defaultValue = "../shared/data", description = "Shared data folder (text), or an STS file (drop).")
    Path data;

    @Option(names = "--limit", defaultValue = "300", description = "STS pairs used for the drop budget.")
    int limit;

    /** One candidate's figures. */
    record Candidate(String method, Schedule schedule, int[] tokens, double flops, double millis, double fidelity,
            double accuracy) {}

    @Override
    public Integer call() throws Exception {
        common.apply();
        String[] kv = budget.split("=", 2);
        if (kv.length != 2) {
            throw new IllegalArgumentException("--budget: expected latency=MS, fidelity=COSINE or drop=POINTS, got '" + budget + "'");
        }
        String kind = kv[0].toLowerCase(Locale.ROOT);
        double limitValue;
        try {
            limitValue = Double.parseDouble(kv[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--budget: '" + kv[1] + "' is not a number");
        }
        if (!List.of("latency", "fidelity", "drop").contains(kind)) {
            throw new IllegalArgumentException("--budget: unknown budget '" + kind + "'; expected latency, fidelity or drop");
        }
        BundledEncoder text = ModelArgs.bundled(model);
        if (kind.equals("drop") && text == null) {
            throw new IllegalArgumentException("--budget drop needs labelled data; it is implemented for the bundled sentence "
                    + "encoders (Spearman on STS); for images use fidelity or latency");
        }
        List<Candidate> all = new ArrayList<>();
        try (Workload w = ModelArgs.workload(model, common.device(), batch, data, docs)) {
            List<String> ms = methods == null ? w.defaultMethods() : methods;
            List<Double> grid = text != null ? List.of(0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5)
                    : List.of(2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0);
            Workload.Forward base = w.prepare(null);
            float[][] reference = base.outputs();
            List<StsPair> pairs = kind.equals("drop") ? sts() : null;
            SentenceEncoder encoder = kind.equals("drop") ? text.load(common.device()) : null;
            try (Progress p = new Progress("calibrate", 1 + (long) ms.size() * grid.size(), common.quiet)) {
                double baseAcc = encoder == null ? Double.NaN : TextTasks.spearman(pairs, text, encoder::embed);
                all.add(measure(base, "unreduced", Schedule.none(), reference, baseAcc));
                p.step();
                for (String m : ms) {
                    for (double level : grid) {
                        TokenReducer r = w.reducer(m, level);
                        double acc = encoder == null ? Double.NaN
                                : TextTasks.spearman(pairs, text, encoder.withReduction(Tower.TEXT, TowerReduction.of(r))::embed);
                        all.add(measure(w.prepare(r), m, w.schedule(m, level), reference, acc));
                        p.step();
                    }
                }
                Candidate best = choose(all, kind, limitValue, baseAcc);
                if (best != null && text == null && !kind.equals("latency")) {
                    best = refine(w, best, kind, limitValue, reference, p, all);
                }
                write(all, best, kind, limitValue, baseAcc, w.proportionalAttention());
            } finally {
                if (encoder != null) {
                    encoder.close();
                }
            }
        }
        return 0;
    }

    private Candidate measure(Workload.Forward f, String method, Schedule s, float[][] reference,
            double accuracy) {
        int[] tokens = f.run();
        double[] ms = new double[3];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            f.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return new Candidate(method, s, tokens, f.flops(tokens), ms[1], Metrics.meanCosine(reference, f.outputs()), accuracy);
    }

    /**
     * Greedy per-layer refinement of a constant-r choice: layer by layer, removes more tokens while the
     * budget still holds and FLOPs fall. Every trial is added to {@code trials}.
     */
    private Candidate refine(Workload w, Candidate start, String kind, double limitValue, float[][] reference, Progress p,
            List<Candidate> trials) {
        if (start.method().equals("unreduced") || start.schedule().isDynamic()) {
            return start;
        }
        int layers = start.tokens().length;
        int[] perLayer = new int[layers];
        for (int l = 0; l < layers; l++) {
            perLayer[l] = start.schedule().removals(l, Integer.MAX_VALUE / 2);
        }
        Candidate best = start;
        int step = Math.max(2, perLayer[0] / 2);
        p.extend(layers);
        for (int l = 0; l < layers; l++) {
            int[] trial = perLayer.clone();
            trial[l] += step;
            Schedule s = Schedule.perLayer(trial);
            Candidate c = measure(w.prepare(w.reducer(start.method(), s)), start.method(), s, reference, Double.NaN);
            trials.add(c);
            p.step();
            if (meets(c, kind, limitValue, Double.NaN) && c.flops() < best.flops()) {
                perLayer = trial;
                best = c;
            }
        }
        return best;
    }

    private static Candidate choose(List<Candidate> all, String kind, double limitValue, double baseAcc) {
        Candidate best = null;
        for (Candidate c : all) {
            if (!meets(c, kind, limitValue, baseAcc)) {
                continue;
            }
            boolean better = best == null || (kind.equals("latency") ? c.fidelity() > best.fidelity()
                    : c.flops() < best.flops());
            if (better) {
                best = c;
            }
        }
        return best;
    }

    private static boolean meets(Candidate c, String kind, double limitValue, double baseAcc) {
        return switch (kind) {
            case "latency" -> c.millis() <= limitValue;
            case "fidelity" -> c.fidelity() >= limitValue;
            default -> Double.isNaN(c.accuracy()) || (baseAcc - c.accuracy()) * 100 <= limitValue;
        };
    }

    private void write(List<Candidate> all, Candidate best, String kind, double limitValue, double baseAcc,
            boolean proportional) throws java.io.IOException {
        Files.createDirectories(common.out);
        StringBuilder sb = new StringBuilder("# tokenreduce calibrate\n\nModel: ").append(model).append(". Budget: ")
                .append(budget).append(".\n\n");
        if (best == null) {
            sb.append("**No configuration meets the budget**; the closest are listed below. No schedule.json written.\n\n");
        } else {
            ReducerSpec spec = new ReducerSpec(best.method().equals("unreduced") ? "tome" : best.method(),
                    best.schedule(), proportional, 1f);
            spec.write(common.out.resolve("schedule.json"));
            sb.append(String.format(Locale.ROOT, "Chosen: **%s %s**: %.1f GFLOP, %.1f ms per forward, mean cosine %.4f to "
                    + "the unreduced outputs%s. Written to schedule.json:%n%n```json%n%s%n```%n%n", best.method(),
                    best.schedule(), best.flops() / 1e9, best.millis(), best.fidelity(),
                    Double.isNaN(best.accuracy()) ? "" : String.format(Locale.ROOT, ", Spearman %.4f (unreduced %.4f)",
                            best.accuracy(), baseAcc), spec.toJson()));
        }
        sb.append("| method | schedule | GFLOP | ms | cosine | accuracy | meets |\n|---|---|---|---|---|---|---|\n");
        for (Candidate c : all) {
            sb.append(String.format(Locale.ROOT, "| %s | `%s` | %.2f | %.1f | %.4f | %s | %s |%n", c.method(), c.schedule(),
                    c.flops() / 1e9, c.millis(), c.fidelity(), Double.isNaN(c.accuracy()) ? "–"
                            : String.format(Locale.ROOT, "%.4f", c.accuracy()),
                    meets(c, kind, limitValue, baseAcc) ? "yes" : "no"));
        }
        Files.writeString(common.out.resolve("report.md"), sb.toString());
        if (!common.quiet) {
            System.out.println(sb);
        }
        if (best == null) {
            throw new IllegalArgumentException("no configuration meets the budget " + budget + " (see "
                    + common.out.resolve("report.md") + ")");
        }
    }

    private List<StsPair> sts() throws java.io.IOException {
        Path f = Files.isDirectory(data) ? data.resolve("stsb/stsb-en-dev.csv") : data;
        List<StsPair> pairs = f.toString().endsWith(".csv") ? StsDatasets.stsb(f) : StsDatasets.sick(f);
        return pairs.subList(0, Math.min(limit, pairs.size()));
    }
}
