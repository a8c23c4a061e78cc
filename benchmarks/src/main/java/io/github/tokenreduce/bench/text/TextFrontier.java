package io.github.tokenreduce.bench.text;

import io.github.tokenreduce.bench.report.Interleaved;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.site.Levels;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs the text frontier for every bundled model and writes {@code docs/text-results.md} with its
 * charts. Arguments: {@code [data dir] [out dir] [limit] [speed docs] [rounds] [keeps, e.g. 0.9,0.8,0.7]
 * [models...]}.
 */
public final class TextFrontier {

    private TextFrontier() {}

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data");
        Path out = Path.of(args.length > 1 ? args[1] : "docs");
        int limit = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        int speedDocs = args.length > 3 ? Integer.parseInt(args[3]) : 192;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        double[] keeps = args.length > 5 ? java.util.Arrays.stream(args[5].split(",")).mapToDouble(Double::parseDouble)
                .toArray() : new double[] {0.9, 0.8, 0.7};
        List<BundledEncoder> models = new ArrayList<>();
        for (int i = 6; i < args.length; i++) {
            models.add(BundledEncoder.valueOf(args[i].toUpperCase(Locale.ROOT)));
        }
        if (models.isEmpty()) {
            models = List.of(BundledEncoder.values());
        }
        TextTasks tasks = TextTasks.read(data, limit);
        List<TextEvaluation.Result> results = new ArrayList<>();
        for (BundledEncoder m : models) {
            System.err.println("evaluating " + m.modelName());
            results.add(TextEvaluation.run(m, tasks, TextConfig.grid(List.of("tome", "crossget", "madtp"),
                    keeps, Levels.TEXT_MIN_TOKENS), speedDocs, 16, 1, rounds,
                    Interleaved.ProgressListener.NONE));
            TextReport.write(out.resolve("text-results-raw.md"), TextReport.markdown(results));
        }
        TextReport.charts(results, out.resolve("text-ndcg.png"), out.resolve("text-spearman.png"));
        String header = "<!-- measured " + LocalDate.now() + " -->\n";
        TextReport.write(out.resolve("text-results-raw.md"), header + TextReport.markdown(results));
    }
}
