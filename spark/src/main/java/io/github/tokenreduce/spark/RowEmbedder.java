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
}
