package io.github.tokenreduce.cli;

import io.github.tokenreduce.cli.eval.Metrics;
import io.github.tokenreduce.cli.measure.Interleaved;
import io.github.tokenreduce.cli.workload.TextWorkload;
import io.github.tokenreduce.cli.workload.Workload;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code tokenreduce calibrate}: the schedule that meets a budget, found by searching methods and
 * levels, then (for vision models) refining the schedule layer by layer; written as a
 * {@link ReducerSpec} file the library loads. A sentence encoder is measured on texts the reduction
 * acts on (passages longer than the 64-token floor); when the data cannot tell configurations apart
 * it says so and exits non-zero instead of choosing the cheapest. Every choice keeps a mean cosine
 * to the unreduced outputs of at least {@code --min-cosine}. Forwards are timed warmed up and
 * interleaved ({@link Interleaved}).
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Chooses a method and schedule for a budget:",
            "  latency=MS   the most faithful configuration whose forward takes at most MS milliseconds",
            "  fidelity=C   the cheapest (by FLOPs) whose outputs keep a mean cosine of at least C to the unreduced model's",
            "  drop=P       the cheapest whose accuracy drops at most P points (sentence encoders: k-NN label accuracy "
                + "on the labelled passages of --data)",
            "Under latency and drop, a choice must also keep a mean cosine of at least --min-cosine.",
            "A sentence encoder is measured on --data: when none of its texts is longer than the 64-token floor, or every "
                + "configuration scores the same, the data cannot tell them apart: calibrate says so, writes no "
                + "schedule and exits with 1.",
            "Writes schedule.json (load it with ReducerSpec.read) and report.md."})
public final class CalibrateCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Mixin
    ImageOptions imageOptions;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model folder/file, a bundled encoder, random-clip or random-blip.")
    String model;

    @Option(names = "--budget", required = true, description = "latency=MS, fidelity=COSINE or drop=POINTS.")
    String budget;

    @Option(names = "--methods", split = ",", description = "Methods to search (default: all that apply).")
    List<String> methods;

    @Option(names = "--levels", split = ",", description = "Levels to search (default: r in 2..32 for vision, keep "
            + "0.9, 0.8, 0.7, 0.6, 0.5 for text).")
    List<Double> levels;

    @Option(names = "--batch", description = "Batch size of the calibration inputs.")
    Integer batch;

    @Option(names = "--docs", defaultValue = "32", description = "Texts timed per forward for a sentence encoder "
            + "(default ${DEFAULT-VALUE}).")
    int docs;

    @Option(names = "--data", defaultValue = "../shared/data", description = "Sentence encoders: labelled passages "
            + "(a .jsonl of id, label, text), a data folder (its austen/ and sotu/ passages), or an STS .csv / SICK .txt "
            + "(default ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--limit", defaultValue = "200", description = "Passages per task (spread over the file) or STS pairs "
            + "(default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--knn", defaultValue = "5", description = "k of the k-NN label accuracy (default ${DEFAULT-VALUE}).")
    int knn;

    @Option(names = "--min-cosine", defaultValue = "0.85", description = "Fidelity floor under latency and drop budgets: "
            + "the least mean cosine to the unreduced outputs a choice keeps (default ${DEFAULT-VALUE}).")
    double minCosine;

    @Option(names = "--engine", defaultValue = "pytorch", description = "pytorch (default), or onnxruntime: every "
            + "configuration is exported as one ONNX graph with its reduction inside and measured (cosine, accuracy, time) "
            + "as ONNX Runtime runs it; a method the graph cannot hold (MADTP on text) is skipped with a line. See "
            + "docs/export.md.")
    String engine;

    @Option(names = "--lengths", split = ",", paramLabel = "L", description = "--engine onnxruntime, sentence encoders: "
            + "the graphs' bucket lengths, as export --lengths (default: every 16 tokens to 128, every 32 to 512).")
    int[] lengths;

    @Option(names = "--precision", defaultValue = "fp32", converter = PrecisionConverter.class, description = "Precision "
            + "of the linear layers every configuration runs in: fp32, bf16, int8 or auto (onnxruntime: fp32, int8, auto = "
            + "int8). Cosine and accuracy are always against the float32 unreduced model, so the budget also covers what "
            + "the precision costs; the unreduced model in this precision is a candidate (default ${DEFAULT-VALUE}).")
    Precision precision;

    @Option(names = "--rounds", defaultValue = "3", description = "Timed rounds after one warm-up, every configuration "
            + "once per round in a shuffled order (default ${DEFAULT-VALUE}).")
    int rounds;

    /** One configuration's figures; {@code millis} is filled in by the interleaved timing. */
    static final class Candidate {
        final String method;
        final Schedule schedule;
        final int[] tokens;
        final double flops;
        final double fidelity;
        final double[] scores;
        final Workload.Forward forward;
        double millis = Double.NaN;

        Candidate(String method, Schedule schedule, int[] tokens, double flops, double fidelity, double[] scores,
                Workload.Forward forward) {
            this.method = method;
            this.schedule = schedule;
            this.tokens = tokens;
            this.flops = flops;
            this.fidelity = fidelity;
            this.scores = scores;
            this.forward = forward;
        }
    }

    private String kind;
    private double limitValue;
    private double[] baseScores = new double[0];
    private List<CalibrationTask> tasks = List.of();
    private String dataNote = "";
    private boolean onOrt;
    private final List<String> skipped = new ArrayList<>();

    @Spec
    CommandSpec spec;
    /** The precision every configuration runs in ({@code --precision} resolved). */
    private Precision used;

    @Override
    public Integer call() throws Exception {
        common.apply();
        String[] kv = budget.split("=", 2);
        if (kv.length != 2) {
            throw new IllegalArgumentException("--budget: expected latency=MS, fidelity=COSINE or drop=POINTS, got '" + budget + "'");
        }
        kind = kv[0].toLowerCase(Locale.ROOT);
        try {
            limitValue = Double.parseDouble(kv[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--budget: '" + kv[1] + "' is not a number");
        }
        if (!List.of("latency", "fidelity", "drop").contains(kind)) {
            throw new IllegalArgumentException("--budget: unknown budget '" + kind + "'; expected latency, fidelity or drop");
        }
        if (!(minCosine >= 0 && minCosine <= 1)) {
            throw new IllegalArgumentException("--min-cosine: must be in [0, 1] but was " + minCosine);
        }
        if (rounds < 1 || docs < 1 || knn < 1) {
            throw new IllegalArgumentException("--rounds, --docs and --knn: must be >= 1 but were " + rounds + ", " + docs
                    + ", " + knn);
        }
        if (!engine.equals("pytorch") && !engine.equals("onnxruntime")) {
            throw new IllegalArgumentException("--engine: expected pytorch or onnxruntime but got '" + engine + "'");
        }
        onOrt = engine.equals("onnxruntime");
        used = onOrt && precision == Precision.AUTO ? Precision.INT8 : precision.resolve(common.device());
        if (onOrt) {
            OnnxExport.int8(used); // refuses bf16 before anything is loaded
        }
        BundledEncoder text = ModelArgs.bundled(model);
        if (lengths != null && (!onOrt || text == null)) {
            throw new IllegalArgumentException("--lengths: only a sentence encoder's graph (--engine onnxruntime) has "
                    + "length buckets, not " + model + " on " + engine);
        }
        if (kind.equals("drop") && text == null) {
            throw new IllegalArgumentException("--budget drop needs labelled data; it is implemented for the bundled sentence "
                    + "encoders (k-NN accuracy on labelled passages); for images use fidelity or latency");
        }
        return text != null ? calibrateText(text) : calibrateVision();
    }

    private int calibrateText(BundledEncoder text) throws IOException {
        tasks = CalibrationTask.load(data, text, limit, knn);
        int size = batch == null ? 16 : batch;
        try (SentenceEncoder encoder = text.load(common.device()).withBatchSize(size)) {
            List<String> all = new ArrayList<>();
            tasks.forEach(t -> all.addAll(t.texts()));
            int longer = 0;
            for (String t : all) {
                if (encoder.chunker().tokens(t) > Levels.TEXT_MIN_TOKENS) {
                    longer++;
                }
            }
            dataNote = String.format(Locale.ROOT, "Data: %s (%s); %d of %d texts are longer than the %d-token floor.",
                    data, String.join(", ", tasks.stream().map(CalibrationTask::name).toList()), longer, all.size(),
                    Levels.TEXT_MIN_TOKENS);
            if (longer == 0) {
                throw new IllegalArgumentException("the data cannot tell configurations apart: none of the " + all.size()
                        + " texts of " + data + " is longer than the " + Levels.TEXT_MIN_TOKENS + "-token floor below which "
                        + "the text schedule leaves a sequence whole, so every configuration would score as the unreduced "
                        + "model. Calibrate on texts the reduction acts on: labelled passages (--data a .jsonl of id, "
                        + "label, text, or a folder with austen/ and sotu/). No schedule written.");
            }
            if (lengths != null) {
                int longest = encoder.chunker().chunk(all).stream().mapToInt(c -> c.ids().length).max().orElse(0);
                int largest = Arrays.stream(lengths).max().orElse(0);
                if (longest > largest) {
                    throw new IllegalArgumentException("--lengths: the data's longest chunk has " + longest + " tokens "
                            + "and the largest bucket, " + largest + ", cannot hold it; add a bucket of at least "
                            + longest + " (at most " + encoder.config().maxPositions() + ")");
                }
            }
            List<String> timed = new ArrayList<>();
            for (String t : all.subList(0, Math.min(docs, all.size()))) {
                timed.add(t.startsWith(text.passagePrefix()) ? t.substring(text.passagePrefix().length()) : t);
            }
            List<OnnxRuntimeSentenceEncoder> graphs = new ArrayList<>();
            try (TextWorkload w = TextWorkload.of(text, timed, size)) {
                List<String> ms = methods == null ? w.defaultMethods() : methods;
                List<Double> grid = levels != null ? levels : List.of(0.9, 0.8, 0.7, 0.6, 0.5);
                List<Candidate> cands = new ArrayList<>();
                try (Progress p = new Progress("calibrate", (1 + (long) ms.size() * grid.size()) * (2L + rounds),
                        common.quiet)) {
                    float[][][] reference = embed(encoder::embed);
                    baseScores = score(reference);
                    // on ONNX Runtime the graphs hold the precision; no eager view in it is made
                    TextRun run = new TextRun(text, onOrt ? encoder : encoder.withPrecision(used), w, size, reference,
                            graphs);
                    run.add(cands, "unreduced", Schedule.none(), null);
                    p.step();
                    for (String m : ms) {
                        for (double level : grid) {
                            run.add(cands, m, w.schedule(m, level), w.reducer(m, level));
                            p.step();
                        }
                    }
                    time(cands, p);
                }
                return finish(cands, null, false);
            } finally {
                graphs.forEach(OnnxRuntimeSentenceEncoder::close);
            }
        }
    }

    /**
     * Makes the candidates of a sentence encoder on the chosen engine and precision: its texts' embeddings
     * for accuracy and cosine, and a forward over the timed texts.
     */
    private final class TextRun {
        private final BundledEncoder text;
        private final SentenceEncoder precise;
        private final TextWorkload timed;
        private final int batchSize;
        private final float[][][] reference;
        private final List<OnnxRuntimeSentenceEncoder> graphs;

        TextRun(BundledEncoder text, SentenceEncoder precise, TextWorkload timed, int batchSize, float[][][] reference,
                List<OnnxRuntimeSentenceEncoder> graphs) {
            this.text = text;
            this.precise = precise;
            this.timed = timed;
            this.batchSize = batchSize;
            this.reference = reference;
            this.graphs = graphs;
        }

        /** Adds {@code method} at {@code s} ({@code r}; null: unreduced), or says why ONNX Runtime cannot run it. */
        void add(List<Candidate> cands, String method, Schedule s, TokenReducer r) throws IOException {
            TowerReduction tr = r == null ? null : TowerReduction.of(r);
            if (!onOrt) {
                float[][][] e = tr == null && used == Precision.FP32 ? reference
                        : embed((tr == null ? precise : precise.withReduction(Site.TEXT_BLOCKS, tr))::embed);
                cands.add(textCandidate(timed.prepare(r, used), method, s, reference, e));
                return;
            }
            try {
                SentenceEncoderOnnxExport.eagerReduction(tr);
            } catch (UnsupportedOperationException e) {
                skip(method + " " + s, e.getMessage());
                return;
            }
            OnnxRuntimeSentenceEncoder g = OnnxRuntimeSentenceEncoder.open(text, tr, used,
                    lengths == null ? SentenceEncoderOnnxExport.DEFAULT_LENGTHS : lengths, batchSize);
            graphs.add(g);
            cands.add(textCandidate(timed.exported(g), method, s, reference, embed(g::embed)));
        }
    }

    /** Says on stderr, and later in the report, that {@code what} was not measured and why. */
    private void skip(String what, String why) {
        skipped.add(what + ": " + why);
        spec.commandLine().getErr().println("tokenreduce calibrate: --engine " + engine + " skips " + what + ": " + why);
        spec.commandLine().getErr().flush();
    }

    private int calibrateVision() throws IOException {
        List<Candidate> all = new ArrayList<>();
        try (Workload w = ModelArgs.workload(model, common.device(), batch, data, docs, imageOptions.images)) {
            List<String> ms = methods == null ? w.defaultMethods() : methods;
            List<Double> grid = levels != null ? levels : List.of(2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0);
            float[][] reference = w.prepare(null).outputs();
            try (Progress p = new Progress("calibrate", (1 + (long) ms.size() * grid.size()) * (2L + rounds),
                    common.quiet)) {
                measure(w, null, "unreduced", Schedule.none(), reference, all);
                p.step();
                for (String m : ms) {
                    for (double level : grid) {
                        measure(w, w.reducer(m, level), m, w.schedule(m, level), reference, all);
                        p.step();
                    }
                }
                Candidate best = null;
                if (kind.equals("latency")) {
                    time(all, p);
                } else {
                    best = choose(all);
                    if (best != null) {
                        int before = all.size();
                        best = refine(w, best, reference, p, all);
                        p.extend((2L + rounds) * (all.size() - before));
                    }
                    time(all, p);
                }
                return finish(all, best, w.proportionalAttention());
            }
        }
    }

    /** Chooses (unless already chosen), writes the report and the schedule, or says why there is none. */
    private int finish(List<Candidate> all, Candidate chosen, boolean proportional) throws IOException {
        String verdict = null;
        if (kind.equals("drop") && all.stream().allMatch(c -> Arrays.equals(c.scores, baseScores))) {
            verdict = "the data cannot tell configurations apart: every configuration scores " + Arrays.toString(baseScores)
                    + " on " + tasks.stream().map(CalibrationTask::name).toList() + ", exactly as the unreduced model. "
                    + "Calibrate on more or longer labelled texts. No schedule written.";
        }
        Candidate best = verdict != null ? null : chosen != null ? chosen : choose(all);
        write(all, best, verdict, proportional);
        if (verdict != null) {
            throw new IllegalArgumentException(verdict + " (see " + common.out.resolve("report.md") + ")");
        }
        if (best == null) {
            throw new IllegalArgumentException("no configuration meets the budget " + budget + " with a mean cosine of at "
                    + "least " + minCosine + " (see " + common.out.resolve("report.md") + ")");
        }
        return 0;
    }

    /** Each task's embeddings by {@code e}. */
    private float[][][] embed(Function<List<String>, float[][]> e) {
        float[][][] out = new float[tasks.size()][][];
        for (int t = 0; t < out.length; t++) {
            out[t] = e.apply(tasks.get(t).texts());
        }
        return out;
    }

    private double[] score(float[][][] embeddings) {
        double[] s = new double[tasks.size()];
        for (int t = 0; t < s.length; t++) {
            s[t] = tasks.get(t).score().applyAsDouble(embeddings[t]);
        }
        return s;
    }

    private Candidate textCandidate(Workload.Forward f, String method, Schedule s, float[][][] reference,
            float[][][] embeddings) {
        int[] tokens = f.run();
        double cos = 0;
        int n = 0;
        for (int t = 0; t < reference.length; t++) {
            cos += Metrics.meanCosine(reference[t], embeddings[t]) * reference[t].length;
            n += reference[t].length;
        }
        return new Candidate(method, s, tokens, f.flops(tokens), cos / n, score(embeddings), f);
    }

    /**
     * Adds {@code method} at {@code s} ({@code r}; null: unreduced) of a vision workload on the chosen engine and
     * precision, measured against the float32 unreduced {@code reference}; returns it, or null where the
     * graph cannot hold it (said on stderr).
     */
    private Candidate measure(Workload w, TokenReducer r, String method, Schedule s, float[][] reference,
            List<Candidate> into) {
        Workload.Forward f;
        if (onOrt) {
            try {
                f = w.exported(r, used).orElseThrow(() -> new IllegalArgumentException("--engine onnxruntime: "
                        + w.describe() + " has no ONNX export here (docs/export.md); calibrate it on pytorch"));
            } catch (UnsupportedOperationException e) {
                skip(method + " " + s, e.getMessage());
                return null;
            }
        } else {
            f = w.prepare(r, used);
        }
        int[] tokens = f.run();
        float[][] outputs = f.outputs();
        if (outputs == null) {
            throw new IllegalArgumentException("--engine onnxruntime: the exported graph of " + w.describe()
                    + " gives other outputs than its eager model's, so its cosine cannot be measured; calibrate it on "
                    + "pytorch");
        }
        Candidate c = new Candidate(method, s, tokens, f.flops(tokens), Metrics.meanCosine(reference, outputs),
                new double[0], f);
        into.add(c);
        return c;
    }

    /** Times every candidate's forward: one warm-up round, then {@code rounds} interleaved rounds; the median. */
    private void time(List<Candidate> all, Progress p) {
        List<Interleaved.Contender> cs = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Workload.Forward f = all.get(i).forward;
            cs.add(new Interleaved.Contender(Integer.toString(i), f::run));
        }
        Map<String, Interleaved.Timing> t = Interleaved.run(cs, 1, rounds, 1, p);
        for (int i = 0; i < all.size(); i++) {
            all.get(i).millis = t.get(Integer.toString(i)).median() * 1e3;
        }
    }

    /**
     * Greedy per-layer refinement of a constant-r choice: layer by layer, removes more tokens while the
     * budget still holds and FLOPs fall. Every trial is added to {@code trials}.
     */
    private Candidate refine(Workload w, Candidate start, float[][] reference, Progress p, List<Candidate> trials) {
        if (start.method.equals("unreduced") || start.schedule.isDynamic()) {
            return start;
        }
        int layers = start.tokens.length;
        int[] perLayer = new int[layers];
        for (int l = 0; l < layers; l++) {
            perLayer[l] = start.schedule.removals(l, Integer.MAX_VALUE / 2);
        }
        Candidate best = start;
        int step = Math.max(2, perLayer[0] / 2);
        p.extend(layers);
        for (int l = 0; l < layers; l++) {
            int[] trial = perLayer.clone();
            trial[l] += step;
            Schedule s = Schedule.perLayer(trial);
            Candidate c = measure(w, w.reducer(start.method, s), start.method, s, reference, trials);
            p.step();
            if (c != null && meets(c) && c.flops < best.flops) {
                perLayer = trial;
                best = c;
            }
        }
        return best;
    }

    private Candidate choose(List<Candidate> all) {
        Candidate best = null;
        for (Candidate c : all) {
            if (!meets(c)) {
                continue;
            }
            boolean better = best == null || (kind.equals("latency") ? c.fidelity > best.fidelity : c.flops < best.flops);
            if (better) {
                best = c;
            }
        }
        return best;
    }

    /** Whether {@code c} meets the budget and, under latency and drop, the fidelity floor. */
    private boolean meets(Candidate c) {
        return switch (kind) {
            case "latency" -> c.millis <= limitValue && c.fidelity >= minCosine;
            case "fidelity" -> c.fidelity >= limitValue;
            default -> drop(c) <= limitValue && c.fidelity >= minCosine;
        };
    }

    /** The largest accuracy drop over the tasks, in points. */
    private double drop(Candidate c) {
        double worst = 0;
        for (int t = 0; t < c.scores.length; t++) {
            worst = Math.max(worst, (baseScores[t] - c.scores[t]) * 100);
        }
        return worst;
    }

    private void write(List<Candidate> all, Candidate best, String verdict, boolean proportional) throws IOException {
        Files.createDirectories(common.out);
        double baseMillis = all.get(0).millis;
        StringBuilder sb = new StringBuilder("# tokenreduce calibrate\n\nModel: ").append(model).append(". Budget: ")
                .append(budget).append(kind.equals("fidelity") ? "" : String.format(Locale.ROOT,
                        ", with a mean cosine of at least %s to the unreduced outputs", minCosine)).append(".\n\n");
        if (!dataNote.isEmpty()) {
            sb.append(dataNote).append(" Accuracy: ").append(tasks.stream().map(CalibrationTask::name).toList())
                    .append(", unreduced ").append(format(baseScores)).append(".\n\n");
        }
        sb.append("Every configuration ran ").append(onOrt ? "on ONNX Runtime, exported as one graph with its reduction "
                + "inside," : "on PyTorch").append(" in ").append(used.label()).append("; cosine and accuracy are "
                + "against the float32 unreduced model").append(used == Precision.FP32 && !onOrt ? "" : ", so they "
                + "include what the engine and precision cost").append(".\n\n");
        for (String s : skipped) {
            sb.append("Skipped ").append(s).append("\n\n");
        }
        sb.append(String.format(Locale.ROOT, "Times: median of %d interleaved rounds after one warm-up round, %d CPU "
                + "threads visible; × unreduced is the unreduced median over each one's.%n%n", rounds,
                Runtime.getRuntime().availableProcessors()));
        if (verdict != null) {
            sb.append("**").append(verdict).append("**\n\n");
        } else if (best == null) {
            sb.append("**No configuration meets the budget**; the closest are listed below. No schedule.json written.\n\n");
        } else {
            ReducerSpec spec = new ReducerSpec(best.method.equals("unreduced") ? "tome" : best.method,
                    best.schedule, proportional, 1f);
            spec.write(common.out.resolve("schedule.json"));
            sb.append(String.format(Locale.ROOT, "Chosen: **%s %s**: %.1f GFLOP, %.1f ms per forward (×%.2f), mean cosine "
                    + "%.4f to the unreduced outputs%s. Written to schedule.json:%n%n```json%n%s%n```%n%n", best.method,
                    best.schedule, best.flops / 1e9, best.millis, baseMillis / best.millis, best.fidelity,
                    best.scores.length == 0 ? "" : ", accuracy " + format(best.scores) + " (unreduced "
                            + format(baseScores) + ")", spec.toJson()));
        }
        sb.append("| method | schedule | GFLOP | ms | cosine | accuracy | × unreduced | meets |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (Candidate c : all) {
            sb.append(String.format(Locale.ROOT, "| %s | `%s` | %.2f | %.1f | %.4f | %s | %.2f | %s |%n", c.method,
                    c.schedule, c.flops / 1e9, c.millis, c.fidelity, c.scores.length == 0 ? "–" : format(c.scores),
                    baseMillis / c.millis, meets(c) ? "yes" : "no"));
        }
        Files.writeString(common.out.resolve("report.md"), sb.toString());
        if (!common.quiet) {
            System.out.println(sb);
        }
    }

    private static String format(double[] scores) {
        StringBuilder sb = new StringBuilder();
        for (double s : scores) {
            sb.append(sb.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.4f", s));
        }
        return sb.toString();
    }
}
