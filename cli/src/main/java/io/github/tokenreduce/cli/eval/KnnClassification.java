package io.github.tokenreduce.cli.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Leave-one-out k-nearest-neighbour classification with cosine similarity (dot products of unit
 * vectors): each item is labelled by the majority of its k most similar other items, a tie going
 * to the label with the larger summed similarity, then to the label of the nearest neighbour.
 * Items of the same group (e.g. passages of one speech) can be kept out of each other's
 * neighbourhoods, so the task measures the label, not the group.
 */
public final class KnnClassification {

    private KnnClassification() {}

    /**
     * Per item, 1 when its predicted label is right, else 0.
     *
     * @param unit unit vectors [N][D]
     * @param labels N labels
     * @param groups N groups, or null; an item's neighbours exclude its own group
     * @param k neighbours
     */
    public static double[] leaveOneOut(float[][] unit, List<String> labels, List<String> groups, int k) {
        int n = unit.length;
        if (labels.size() != n || groups != null && groups.size() != n) {
            throw new IllegalArgumentException("knn: " + n + " vectors but " + labels.size() + " labels"
                    + (groups == null ? "" : " and " + groups.size() + " groups"));
        }
        if (k < 1) {
            throw new IllegalArgumentException("knn: k must be >= 1, got " + k);
        }
        double[] correct = new double[n];
        for (int i = 0; i < n; i++) {
            List<Integer> others = new ArrayList<>();
            double[] sim = new double[n];
            for (int j = 0; j < n; j++) {
                if (j != i && (groups == null || !groups.get(j).equals(groups.get(i)))) {
                    others.add(j);
                    sim[j] = Metrics.dot(unit[i], unit[j]);
                }
            }
            if (others.isEmpty()) {
                throw new IllegalArgumentException("knn: item " + i + " has no neighbour outside its group");
            }
            others.sort(Comparator.comparingDouble((Integer j) -> -sim[j]).thenComparing(j -> j));
            List<Integer> nearest = others.subList(0, Math.min(k, others.size()));
            Map<String, Integer> votes = new HashMap<>();
            Map<String, Double> weight = new HashMap<>();
            for (int j : nearest) {
                votes.merge(labels.get(j), 1, Integer::sum);
                weight.merge(labels.get(j), sim[j], Double::sum);
            }
            String best = labels.get(nearest.get(0));
            for (String l : votes.keySet()) {
                int c = Integer.compare(votes.get(l), votes.get(best));
                if (c > 0 || c == 0 && weight.get(l) > weight.get(best)) {
                    best = l;
                }
            }
            correct[i] = best.equals(labels.get(i)) ? 1 : 0;
        }
        return correct;
    }
}
