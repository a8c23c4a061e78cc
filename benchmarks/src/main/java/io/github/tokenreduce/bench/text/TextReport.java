package io.github.tokenreduce.bench.text;

import io.github.tokenreduce.cli.eval.Bootstrap;
import io.github.tokenreduce.cli.eval.ItemScores;

import java.util.List;
import java.util.Locale;

/**
 * Writes the text frontier as Markdown: per model, each configuration's figures with the paired
 * bootstrap interval of its difference to the unreduced model (in points, ×100), its worst
 * interval bound over all figures, FLOPs-ideal and (when timed) measured speed-ups; then, per
 * model, the fastest configuration whose every interval stays within the budget.
 */
public final class TextReport {

    private final int resamples;
    private final double confidence;
    private final long seed;

    /** Intervals from {@code resamples} paired resamples at {@code confidence}, seeded. */
    public TextReport(int resamples, double confidence, long seed) {
        this.resamples = resamples;
        this.confidence = confidence;
        this.seed = seed;
    }

    /** The interval of {@code row}'s figure {@code metric} minus the unreduced one, in points. */
    public Bootstrap.Interval delta(TextEvaluation.Result r, TextEvaluation.Row row, String metric) {
        ItemScores base = r.rows().get(0).scores().get(metric);
        return base.difference(row.scores().get(metric), resamples, confidence, seed).scaled(100);
    }

    /** The lowest interval bound of {@code row} over every figure (points; 0 for the unreduced row). */
    public double worstLow(TextEvaluation.Result r, TextEvaluation.Row row) {
        double worst = 0;
        for (String m : r.metrics()) {
            worst = Math.min(worst, delta(r, row, m).low());
        }
        return worst;
    }

    /** One table per model. */
    public String tables(List<TextEvaluation.Result> results) {
        StringBuilder sb = new StringBuilder();
        for (TextEvaluation.Result r : results) {
            boolean timed = !Double.isNaN(r.ortDocsPerSecond());
            sb.append("#### ").append(r.model().modelName()).append("\n\n");
            sb.append(String.format(Locale.ROOT, "Each figure, then its difference to unreduced in points with the "
                    + "%.0f%% paired bootstrap interval (%d resamples). FLOPs-ideal × on %d timing documents%s.%n%n",
                    confidence * 100, resamples, r.speedDocs(), timed ? String.format(Locale.ROOT,
                            "; measured throughput interleaved, batch %d, ONNX Runtime Java %.1f docs/s", r.batch(),
                            r.ortDocsPerSecond()) : ""));
            sb.append("| configuration |");
            r.metrics().forEach(m -> sb.append(' ').append(m).append(" |"));
            sb.append(" worst bound | FLOPs-ideal × |").append(timed ? " × unreduced | × ORT |" : "").append('\n');
            sb.append("|---|").append("---|".repeat(r.metrics().size() + 2)).append(timed ? "---|---|" : "")
                    .append('\n');
            for (TextEvaluation.Row row : r.rows()) {
                sb.append("| ").append(row.config().label()).append(" |");
                for (String m : r.metrics()) {
                    double v = row.scores().get(m).value();
                    if (row.config().reducer() == null) {
                        sb.append(String.format(Locale.ROOT, " %.4f |", v));
                    } else {
                        Bootstrap.Interval d = delta(r, row, m);
                        sb.append(String.format(Locale.ROOT, " %.4f %+.2f [%+.2f, %+.2f] |", v, d.estimate(), d.low(),
                                d.high()));
                    }
                }
                sb.append(String.format(Locale.ROOT, " %+.2f | %.2f |", worstLow(r, row), row.flopsIdeal()));
                if (timed) {
                    sb.append(String.format(Locale.ROOT, " %.2f | %.2f |", row.timing().vsUnreduced(),
                            row.timing().vsOrt()));
                }
                sb.append('\n');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * Per model, the fastest configuration (measured when timed, else FLOPs-ideal) whose every
     * interval's lower bound is at least {@code -budget} points.
     */
    public String withinBudget(List<TextEvaluation.Result> results, double budget) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "| model | fastest configuration losing ≤ %.1f point (every interval) | "
                + "worst bound | FLOPs-ideal × | × unreduced |%n|---|---|---|---|---|%n", budget));
        for (TextEvaluation.Result r : results) {
            TextEvaluation.Row best = null;
            for (TextEvaluation.Row row : r.rows()) {
                if (row.config().reducer() != null && worstLow(r, row) >= -budget
                        && (best == null || speed(row) > speed(best))) {
                    best = row;
                }
            }
            if (best == null) {
                sb.append("| ").append(r.model().modelName()).append(" | none | – | – | – |\n");
            } else {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %+.2f | %.2f | %s |%n", r.model().modelName(),
                        best.config().label(), worstLow(r, best), best.flopsIdeal(),
                        best.timing() == null ? "not timed" : String.format(Locale.ROOT, "%.2f", best.timing().vsUnreduced())));
            }
        }
        return sb.toString();
    }

    private static double speed(TextEvaluation.Row row) {
        return row.timing() != null ? row.timing().vsUnreduced() : row.flopsIdeal();
    }
}
