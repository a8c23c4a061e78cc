package io.github.tokenreduce.bench.text;

import ai.djl.Device;
import io.github.tokenreduce.cli.report.GeneratedSection;
import io.github.tokenreduce.cli.report.RunStamp;
import io.github.tokenreduce.cli.text.TextTask;
import io.github.tokenreduce.cli.text.TextTasks;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Levels;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Runs the text frontier and writes its tables, with the command line and a {@link RunStamp}, into
 * a named generated section of a Markdown page ({@link GeneratedSection}), after every model. The
 * grid is every combination of {@code --methods}, {@code --keeps}, {@code --from-layers},
 * {@code --floor}, {@code --proportional-attention} and {@code --guide}, plus the unreduced model, in
 * float32 and in each of {@code --precisions}.
 */
@Command(name = "text-frontier", mixinStandardHelpOptions = true,
        description = "Accuracy (with paired bootstrap intervals) and speed of the text methods on real data.")
public final class TextFrontier implements Callable<Integer> {

    @Option(names = "--data", defaultValue = "../shared/data", description = "shared/data folder (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--doc", defaultValue = "docs/text-results.md", description = "Markdown page to write (default: ${DEFAULT-VALUE}).")
    Path doc;

    @Option(names = "--section", defaultValue = "frontier", description = "Generated section of the page (default: ${DEFAULT-VALUE}).")
    String section;

    @Option(names = "--models", split = ",", description = "Models (default: all three bundled encoders).")
    List<String> models = new ArrayList<>();

    @Option(names = "--tasks", split = ",", defaultValue = "stsb,sick,cranfield,austen,sotu",
            description = "Tasks among stsb, sick, cranfield, austen, sotu; 'none' to time only (default: ${DEFAULT-VALUE}).")
    List<String> tasks;

    @Option(names = "--methods", split = ",", defaultValue = "tome,crossget,madtp", description = "Methods (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--keeps", split = ",", defaultValue = "0.9,0.8,0.7", description = "Keep ratios (default: ${DEFAULT-VALUE}).")
    double[] keeps;

    @Option(names = "--from-layers", split = ",", defaultValue = "0", description = "First reducing layers, 0-based (default: ${DEFAULT-VALUE}).")
    int[] fromLayers;

    @Option(names = "--floor", split = ",", defaultValue = "" + Levels.TEXT_MIN_TOKENS,
            description = "Token floors (default: ${DEFAULT-VALUE}).")
    int[] floors;

    @Option(names = "--proportional-attention", split = ",", defaultValue = "false",
            description = "Proportional attention off and/or on, e.g. false,true (default: ${DEFAULT-VALUE}).")
    boolean[] proportional;

    @Option(names = "--guide", split = ",", defaultValue = "cls",
            description = "CrossGET guide queries: cls and/or mean (default: ${DEFAULT-VALUE}).")
    List<String> guides;

    @Option(names = "--limit", defaultValue = "0", description = "At most this many STS pairs, Cranfield queries and documents (0: all).")
    int limit;

    @Option(names = "--passages", defaultValue = "400", description = "Passages sampled from austen and from sotu (0: all; default ${DEFAULT-VALUE}).")
    int passages;

    @Option(names = "--seed", defaultValue = "19", description = "Seed of the passage samples and the bootstrap (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--resamples", defaultValue = "2000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--budget", defaultValue = "1", description = "Points an interval may lose in the summary (default: ${DEFAULT-VALUE}).")
    double budget;

    @Option(names = "--speed-task", defaultValue = "austen", description = "Task whose documents are timed (default: ${DEFAULT-VALUE}).")
    String speedTask;

    @Option(names = "--speed-docs", defaultValue = "64", description = "Documents timed and counted for FLOPs (default: ${DEFAULT-VALUE}).")
    int speedDocs;

    @Option(names = "--precisions", split = ",", defaultValue = "fp32",
            description = "Precisions of the linear layers, each a full grid beside float32 (fp32, bf16, int8, auto; "
                    + "default: ${DEFAULT-VALUE}).")
    List<String> precisions;

    @Option(names = "--engines", split = ",", defaultValue = "pytorch",
            description = "Engines, each a full grid: pytorch (eager) and onnxruntime (the exported graph, fp32 and "
                    + "int8 of --precisions; default ${DEFAULT-VALUE}).")
    List<String> engines;

    @Option(names = "--rounds", defaultValue = "0", description = "Timed rounds, interleaved (0: FLOPs only; default ${DEFAULT-VALUE}).")
    int rounds;

    private final String commandLine;

    private TextFrontier(String commandLine) {
        this.commandLine = commandLine;
    }

    public static void main(String[] args) {
        String line = "text-frontier " + String.join(" ", args);
        System.exit(new CommandLine(new TextFrontier(line.strip())).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<BundledEncoder> chosen = new ArrayList<>();
        for (String m : models) {
            chosen.add(BundledEncoder.byName(m).orElseThrow(() -> new IllegalArgumentException("--models: unknown '" + m
                    + "'; expected all-minilm-l6-v2, bge-small-en-v1.5 or e5-small-v2")));
        }
        if (chosen.isEmpty()) {
            chosen = List.of(BundledEncoder.values());
        }
        String stamp = RunStamp.of(commandLine);
        List<TextTask> taskList = TextTasks.select(data, tasks.equals(List.of("none")) ? List.of() : tasks, limit,
                passages, seed);
        TextTask timed = taskList.stream().filter(t -> t.name().equals(speedTask)).findFirst()
                .orElse(TextTasks.select(data, List.of(speedTask), limit, passages, seed).get(0));
        List<TextConfig> configs = TextConfig.grid(methods, keeps, fromLayers, floors, proportional, guides,
                Precision.resolveAll(precisions.stream().map(Precision::parse).toList(), Device.cpu()), engines);
        TextReport report = new TextReport(resamples, 0.95, seed);
        List<TextEvaluation.Result> results = new ArrayList<>();
        long start = System.nanoTime();
        for (BundledEncoder m : chosen) {
            results.add(TextEvaluation.run(m, taskList, configs, new TextEvaluation.Speed(timed, speedDocs, 16, 1, rounds),
                    what -> System.err.printf("%s: %s done (%.0f s)%n", m.modelName(), what,
                            (System.nanoTime() - start) / 1e9)));
            GeneratedSection.write(doc, section, stamp + "\n\n"
                    + (taskList.isEmpty() ? "" : report.withinBudget(results, budget) + "\n") + report.tables(results));
        }
        return 0;
    }
}
