package io.github.tokenreduce.cli.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Dense retrieval: documents ranked by the dot product with a query (unit vectors: cosine). */
public final class Retrieval {

    private Retrieval() {}

    /**
     * Document ids, most similar first (ties by position), leaving out the position {@code skip}
     * (the query itself when it is one of the documents; -1 for none).
     */
    public static List<Integer> rank(float[] query, float[][] docs, List<Integer> ids, int skip) {
        if (docs.length != ids.size()) {
            throw new IllegalArgumentException("rank: " + docs.length + " documents but " + ids.size() + " ids");
        }
        double[] sim = new double[docs.length];
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < docs.length; k++) {
            sim[k] = Metrics.dot(query, docs[k]);
            if (k != skip) {
                order.add(k);
            }
        }
        order.sort(Comparator.comparingDouble((Integer k) -> -sim[k]).thenComparing(k -> k));
        return order.stream().map(ids::get).toList();
    }
}
