package io.github.tokenreduce.spark;

import java.util.List;

/**
 * One loaded, reduced model that embeds a batch of decoded inputs (images or texts) into
 * L2-normalised vectors. Shared by every task of an executor JVM, so thread-safe.
 */
interface RowEmbedder extends AutoCloseable {

    /** Embeddings [N][D] of {@code inputs} (BufferedImage or String, as the configuration takes). */
    float[][] embed(List<Object> inputs);

    @Override
    void close();

    /**
     * A row embedder that hands {@code embed} its inputs as {@code type} (BufferedImage or String) and
     * runs {@code close} when closed.
     */
    static <T> RowEmbedder of(Class<T> type, java.util.function.Function<List<T>, float[][]> embed, Runnable close) {
        return new RowEmbedder() {
            @Override
            public float[][] embed(List<Object> inputs) {
                List<T> typed = new java.util.ArrayList<>(inputs.size());
                inputs.forEach(o -> typed.add(type.cast(o)));
                return embed.apply(typed);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
