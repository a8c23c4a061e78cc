package io.github.tokenreduce.bench.text;

import io.github.tokenreduce.bench.data.Cranfield;
import io.github.tokenreduce.bench.data.StsDatasets;
import io.github.tokenreduce.bench.data.StsPair;
import io.github.tokenreduce.bench.eval.Metrics;
import io.github.tokenreduce.djl.bert.BundledEncoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The real-data text tasks of {@code shared/data}: Spearman on STS-B dev and on SICK (trial +
 * train), nDCG@10 and Recall@100 on Cranfield (queries and documents both embedded by the model
 * under test, with e5's "query: " / "passage: " prefixes). Each unique text is embedded once. A
 * query without a judged document is left out of the means; documents with equal similarity rank
 * in file order.
 */
public final class TextTasks {

    private final List<StsPair> stsb;
    private final List<StsPair> sick;
    private final Cranfield cranfield;

    private TextTasks(List<StsPair> stsb, List<StsPair> sick, Cranfield cranfield) {
        this.stsb = stsb;
        this.sick = sick;
        this.cranfield = cranfield;
    }

    /**
     * Reads the tasks from {@code data} ({@code shared/data}).
     *
     * @param limit at most this many pairs per STS set, queries and documents (for quick runs; 0: all); the
     *        judgements keep only the documents kept
     */
    public static TextTasks read(Path data, int limit) throws IOException {
        List<StsPair> stsb = StsDatasets.stsb(data.resolve("stsb/stsb-en-dev.csv"));
        List<StsPair> sick = new ArrayList<>(StsDatasets.sick(data.resolve("sick/SICK_trial.txt")));
        sick.addAll(StsDatasets.sick(data.resolve("sick/SICK_train.txt")));
        Cranfield cran = Cranfield.read(data.resolve("cranfield"));
        if (limit > 0) {
            stsb = stsb.subList(0, Math.min(limit, stsb.size()));
            sick = sick.subList(0, Math.min(limit, sick.size()));
            Map<Integer, String> docs = new LinkedHashMap<>();
            cran.docs().entrySet().stream().limit(limit).forEach(e -> docs.put(e.getKey(), e.getValue()));
            int q = Math.min(limit, cran.queries().size());
            List<Map<Integer, Integer>> judged = new ArrayList<>();
            for (Map<Integer, Integer> j : cran.judgements().subList(0, q)) { // only documents still indexed
                Map<Integer, Integer> kept = new LinkedHashMap<>(j);
                kept.keySet().retainAll(docs.keySet());
                judged.add(kept);
            }
            cran = new Cranfield(docs, cran.queries().subList(0, q), judged);
        }
        return new TextTasks(stsb, sick, cran);
    }

    public Cranfield cranfield() {
        return cranfield;
    }

    /** The four scores of one configuration. */
    public record Scores(double stsb, double sick, double ndcg10, double recall100) {}

    /** Scores an embedder (texts → L2-normalised vectors) as {@code model} expects its inputs. */
    public Scores score(BundledEncoder model, Function<List<String>, float[][]> embed) {
        double s1 = spearman(stsb, model, embed);
        double s2 = spearman(sick, model, embed);
        List<Integer> ids = new ArrayList<>(cranfield.docs().keySet());
        List<String> docs = new ArrayList<>();
        for (int id : ids) {
            docs.add(model.passagePrefix() + cranfield.docs().get(id));
        }
        List<String> queries = new ArrayList<>();
        for (String q : cranfield.queries()) {
            queries.add(model.queryPrefix() + q);
        }
        float[][] d = embed.apply(docs);
        float[][] q = embed.apply(queries);
        double ndcg = 0;
        double recall = 0;
        int judged = 0;
        for (int i = 0; i < q.length; i++) {
            if (cranfield.judgements().get(i).isEmpty()) {
                continue;
            }
            double[] sim = new double[d.length];
            for (int k = 0; k < d.length; k++) {
                sim[k] = Metrics.dot(q[i], d[k]);
            }
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < d.length; k++) {
                order.add(k);
            }
            order.sort(Comparator.comparingDouble((Integer k) -> -sim[k]).thenComparing(k -> k));
            List<Integer> ranking = order.stream().map(ids::get).toList();
            ndcg += Metrics.ndcg(ranking, cranfield.judgements().get(i), 10);
            recall += Metrics.recall(ranking, cranfield.judgements().get(i), 100);
            judged++;
        }
        if (judged == 0) {
            throw new IllegalArgumentException("Cranfield: none of the " + q.length
                    + " queries has a judged document among the " + d.length + " indexed");
        }
        return new Scores(s1, s2, ndcg / judged, recall / judged);
    }

    /** Spearman's ρ between the cosine of each pair's embeddings (unit vectors from {@code embed}) and its gold score. */
    public static double spearman(List<StsPair> pairs, BundledEncoder model, Function<List<String>, float[][]> embed) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (StsPair p : pairs) {
            index.putIfAbsent(p.a(), index.size());
            index.putIfAbsent(p.b(), index.size());
        }
        List<String> unique = new ArrayList<>();
        for (String s : index.keySet()) {
            unique.add(model.queryPrefix() + s); // symmetric tasks: e5 uses "query: " on both sides
        }
        float[][] e = embed.apply(unique);
        double[] cos = new double[pairs.size()];
        double[] gold = new double[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            cos[i] = Metrics.dot(e[index.get(pairs.get(i).a())], e[index.get(pairs.get(i).b())]);
            gold[i] = pairs.get(i).score();
        }
        return Metrics.spearman(cos, gold);
    }
}
