package io.github.tokenreduce.cli.text;

import io.github.tokenreduce.cli.data.StsPair;
import io.github.tokenreduce.cli.eval.ItemScores;
import io.github.tokenreduce.cli.eval.Metrics;
import io.github.tokenreduce.djl.bert.BundledEncoder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Sentence similarity: Spearman's ρ between the cosine of each pair's embeddings and its gold score. */
public record StsTask(String name, String title, List<StsPair> pairs) implements TextTask {

    @Override
    public List<String> metrics() {
        return List.of(title + " ρ");
    }

    @Override
    public List<String> documents(BundledEncoder model) {
        return new ArrayList<>(sentences(pairs, model).keySet());
    }

    @Override
    public Map<String, ItemScores> measure(BundledEncoder model, Function<List<String>, float[][]> embed) {
        double[] gold = pairs.stream().mapToDouble(StsPair::score).toArray();
        return Map.of(metrics().get(0), new ItemScores(cosines(pairs, model, embed), gold));
    }

    /** The cosine of each pair's embeddings (each unique sentence embedded once). */
    public static double[] cosines(List<StsPair> pairs, BundledEncoder model, Function<List<String>, float[][]> embed) {
        Map<String, Integer> index = sentences(pairs, model);
        float[][] e = embed.apply(new ArrayList<>(index.keySet()));
        double[] cos = new double[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            cos[i] = Metrics.dot(e[index.get(model.queryPrefix() + pairs.get(i).a())],
                    e[index.get(model.queryPrefix() + pairs.get(i).b())]);
        }
        return cos;
    }

    /** Unique prefixed sentences → position (symmetric task: e5 uses "query: " on both sides). */
    private static Map<String, Integer> sentences(List<StsPair> pairs, BundledEncoder model) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (StsPair p : pairs) {
            index.putIfAbsent(model.queryPrefix() + p.a(), index.size());
            index.putIfAbsent(model.queryPrefix() + p.b(), index.size());
        }
        return index;
    }
}
