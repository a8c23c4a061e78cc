package io.github.tokenreduce.djl.bert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** How chunks become batches: grouped by length, so that little padding is run ({@code TextBatch.padded} pads each). */
public final class ChunkBatches {

    private ChunkBatches() {}

    /** Chunk indices grouped into batches of similar length (sorted by length, then cut). */
    public static List<List<Integer>> buckets(List<TextChunk> chunks, int batchSize) {
        Integer[] order = new Integer[chunks.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> chunks.get(i).ids().length));
        List<List<Integer>> out = new ArrayList<>();
        for (int from = 0; from < order.length; from += batchSize) {
            out.add(List.of(Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize))));
        }
        return out;
    }
}
