package io.github.tokenreduce.cli.text;

import io.github.tokenreduce.cli.data.Passages;
import io.github.tokenreduce.cli.eval.ItemScores;
import io.github.tokenreduce.cli.eval.KnnClassification;
import io.github.tokenreduce.cli.eval.Metrics;
import io.github.tokenreduce.cli.eval.Retrieval;
import io.github.tokenreduce.djl.bert.BundledEncoder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Long passages (≈ 380 word pieces, far above the token floor), embedded as passages:
 * leave-one-out k-NN classification of the label (cosine, k = {@value #K}); when the passages have
 * groups (SOTU addresses), neighbours from the passage's own address are left out of the vote, and
 * a second figure is same-address retrieval: each passage queries the others, the relevant ones are
 * the other passages of its address (nDCG@10, binary gains; passages alone in the sample skipped).
 */
public record PassageTask(String name, String title, List<Passages.Passage> passages) implements TextTask {

    /** Neighbours in the vote. */
    public static final int K = 10;

    @Override
    public List<String> metrics() {
        boolean grouped = passages.get(0).group() != null;
        return grouped ? List.of(title + " kNN acc", title + " same-address nDCG@10") : List.of(title + " kNN acc");
    }

    @Override
    public List<String> documents(BundledEncoder model) {
        List<String> docs = new ArrayList<>();
        for (Passages.Passage p : passages) {
            docs.add(model.passagePrefix() + p.text());
        }
        return docs;
    }

    @Override
    public Map<String, ItemScores> measure(BundledEncoder model, Function<List<String>, float[][]> embed) {
        float[][] e = embed.apply(documents(model));
        List<String> labels = passages.stream().map(Passages.Passage::label).toList();
        List<String> groups = passages.get(0).group() == null ? null
                : passages.stream().map(Passages.Passage::group).toList();
        Map<String, ItemScores> out = new LinkedHashMap<>();
        out.put(metrics().get(0), ItemScores.mean(KnnClassification.leaveOneOut(e, labels, groups, K)));
        if (groups != null) {
            out.put(metrics().get(1), ItemScores.mean(sameGroupNdcg(e, groups, 10)));
        }
        return out;
    }

    /** Per passage with at least one other of its group: nDCG@k of retrieving its group among the others. */
    public static double[] sameGroupNdcg(float[][] unit, List<String> groups, int k) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < unit.length; i++) {
            ids.add(i);
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < unit.length; i++) {
            Map<Integer, Integer> relevant = new LinkedHashMap<>();
            for (int j = 0; j < unit.length; j++) {
                if (j != i && groups.get(j).equals(groups.get(i))) {
                    relevant.put(j, 1);
                }
            }
            if (!relevant.isEmpty()) {
                out.add(Metrics.ndcg(Retrieval.rank(unit[i], unit, ids, i), relevant, k));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("same-group retrieval: no passage shares its group with another");
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
