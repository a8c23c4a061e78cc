package io.github.tokenreduce.cli.text;

import io.github.tokenreduce.cli.data.Cranfield;
import io.github.tokenreduce.cli.eval.ItemScores;
import io.github.tokenreduce.cli.eval.Metrics;
import io.github.tokenreduce.cli.eval.Retrieval;
import io.github.tokenreduce.djl.bert.BundledEncoder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Cranfield retrieval: nDCG@10 and Recall@100 per judged query, documents and queries both
 * embedded by the model under test (with e5's "query: " / "passage: " prefixes).
 */
public record CranfieldTask(Cranfield cranfield) implements TextTask {

    @Override
    public String name() {
        return "cranfield";
    }

    @Override
    public List<String> metrics() {
        return List.of("Cranfield nDCG@10", "Cranfield R@100");
    }

    @Override
    public List<String> documents(BundledEncoder model) {
        List<String> docs = new ArrayList<>();
        for (String d : cranfield.docs().values()) {
            docs.add(model.passagePrefix() + d);
        }
        return docs;
    }

    @Override
    public Map<String, ItemScores> measure(BundledEncoder model, Function<List<String>, float[][]> embed) {
        List<Integer> ids = new ArrayList<>(cranfield.docs().keySet());
        float[][] d = embed.apply(documents(model));
        List<String> queries = new ArrayList<>();
        for (String q : cranfield.queries()) {
            queries.add(model.queryPrefix() + q);
        }
        float[][] q = embed.apply(queries);
        List<Double> ndcg = new ArrayList<>();
        List<Double> recall = new ArrayList<>();
        for (int i = 0; i < q.length; i++) {
            Map<Integer, Integer> judged = cranfield.judgements().get(i);
            if (judged.isEmpty()) {
                continue;
            }
            List<Integer> ranking = Retrieval.rank(q[i], d, ids, -1);
            ndcg.add(Metrics.ndcg(ranking, judged, 10));
            recall.add(Metrics.recall(ranking, judged, 100));
        }
        if (ndcg.isEmpty()) {
            throw new IllegalArgumentException("Cranfield: none of the " + q.length
                    + " queries has a judged document among the " + d.length + " indexed");
        }
        Map<String, ItemScores> out = new LinkedHashMap<>();
        out.put(metrics().get(0), ItemScores.mean(ndcg.stream().mapToDouble(Double::doubleValue).toArray()));
        out.put(metrics().get(1), ItemScores.mean(recall.stream().mapToDouble(Double::doubleValue).toArray()));
        return out;
    }
}
