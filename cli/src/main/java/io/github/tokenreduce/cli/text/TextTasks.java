package io.github.tokenreduce.cli.text;

import io.github.tokenreduce.cli.data.Cranfield;
import io.github.tokenreduce.cli.data.Passages;
import io.github.tokenreduce.cli.data.StsDatasets;
import io.github.tokenreduce.cli.data.StsPair;
import io.github.tokenreduce.cli.eval.ItemScores;
import io.github.tokenreduce.cli.eval.Metrics;
import io.github.tokenreduce.djl.bert.BundledEncoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The real-data text tasks of {@code shared/data}: Spearman on STS-B dev and on SICK (trial +
 * train), nDCG@10 and Recall@100 on Cranfield (e5's "query: " / "passage: " prefixes; a query without a
 * judged document is left out of the means), and the long-passage sets (Austen novels, SOTU
 * addresses; {@link PassageTask}). Each unique text is embedded once per task.
 */
public final class TextTasks {

    /** Every task name, in table order. */
    public static final List<String> ALL = List.of("stsb", "sick", "cranfield", "austen", "sotu");
    /** Passages taken from each SOTU address when sampling. */
    public static final int SOTU_PER_ADDRESS = 8;

    private final List<StsPair> stsb;
    private final List<StsPair> sick;
    private final Cranfield cranfield;

    private TextTasks(List<StsPair> stsb, List<StsPair> sick, Cranfield cranfield) {
        this.stsb = stsb;
        this.sick = sick;
        this.cranfield = cranfield;
    }

    /**
     * Reads the STS and Cranfield tasks from {@code data} ({@code shared/data}).
     *
     * @param limit at most this many pairs per STS set, queries and documents (for quick runs; 0: all); the
     *        judgements keep only the documents kept
     */
    public static TextTasks read(Path data, int limit) throws IOException {
        return new TextTasks(stsb(data, limit), sick(data, limit), cranfield(data, limit));
    }

    /**
     * The named tasks ({@link #ALL}).
     *
     * @param limit as in {@link #read}, for stsb, sick and cranfield
     * @param passages passages sampled (seeded) from austen and from sotu (0: all); SOTU takes whole
     *     addresses, at most {@value #SOTU_PER_ADDRESS} passages each
     */
    public static List<TextTask> select(Path data, List<String> names, int limit, int passages, long seed)
            throws IOException {
        List<TextTask> out = new ArrayList<>();
        for (String n : names) {
            out.add(switch (n) {
                case "stsb" -> new StsTask("stsb", "STS-B", stsb(data, limit));
                case "sick" -> new StsTask("sick", "SICK", sick(data, limit));
                case "cranfield" -> new CranfieldTask(cranfield(data, limit));
                case "austen" -> new PassageTask("austen", "Austen", Passages.sample(
                        Passages.read(data.resolve("austen/austen_passages300.jsonl")), passages, 0, seed));
                case "sotu" -> new PassageTask("sotu", "SOTU", Passages.sample(
                        Passages.read(data.resolve("sotu/sotu_passages300.jsonl")), passages, SOTU_PER_ADDRESS, seed));
                default -> throw new IllegalArgumentException("task: unknown '" + n + "'; expected one of " + ALL);
            });
        }
        return out;
    }

    private static List<StsPair> stsb(Path data, int limit) throws IOException {
        return first(StsDatasets.stsb(data.resolve("stsb/stsb-en-dev.csv")), limit);
    }

    private static List<StsPair> sick(Path data, int limit) throws IOException {
        List<StsPair> sick = new ArrayList<>(StsDatasets.sick(data.resolve("sick/SICK_trial.txt")));
        sick.addAll(StsDatasets.sick(data.resolve("sick/SICK_train.txt")));
        return first(sick, limit);
    }

    private static Cranfield cranfield(Path data, int limit) throws IOException {
        Cranfield cran = Cranfield.read(data.resolve("cranfield"));
        if (limit <= 0) {
            return cran;
        }
        Map<Integer, String> docs = new LinkedHashMap<>();
        cran.docs().entrySet().stream().limit(limit).forEach(e -> docs.put(e.getKey(), e.getValue()));
        int q = Math.min(limit, cran.queries().size());
        List<Map<Integer, Integer>> judged = new ArrayList<>();
        for (Map<Integer, Integer> j : cran.judgements().subList(0, q)) { // only documents still indexed
            Map<Integer, Integer> kept = new LinkedHashMap<>(j);
            kept.keySet().retainAll(docs.keySet());
            judged.add(kept);
        }
        return new Cranfield(docs, cran.queries().subList(0, q), judged);
    }

    private static <T> List<T> first(List<T> list, int limit) {
        return limit > 0 ? list.subList(0, Math.min(limit, list.size())) : list;
    }

    public Cranfield cranfield() {
        return cranfield;
    }

    /** The four scores of one configuration. */
    public record Scores(double stsb, double sick, double ndcg10, double recall100) {}

    /** Scores an embedder (texts → L2-normalised vectors) as {@code model} expects its inputs. */
    public Scores score(BundledEncoder model, Function<List<String>, float[][]> embed) {
        Map<String, ItemScores> c = new CranfieldTask(cranfield).measure(model, embed);
        return new Scores(spearman(stsb, model, embed), spearman(sick, model, embed),
                c.get("Cranfield nDCG@10").value(), c.get("Cranfield R@100").value());
    }

    /** Spearman's ρ between the cosine of each pair's embeddings (unit vectors from {@code embed}) and its gold score. */
    public static double spearman(List<StsPair> pairs, BundledEncoder model, Function<List<String>, float[][]> embed) {
        double[] gold = pairs.stream().mapToDouble(StsPair::score).toArray();
        return Metrics.spearman(StsTask.cosines(pairs, model, embed), gold);
    }
}
