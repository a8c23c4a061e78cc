package io.github.tokenreduce.spark;

import java.io.Serializable;

/**
 * What an executor needs to build its model: resolved on the driver from the transformer's
 * {@code Param}s (the schedule file is read there, so executors need no access to it) and shipped
 * with each task. Equal configurations share one model per executor JVM.
 *
 * @param model a CLIP folder or file, or a bundled sentence encoder's name
 * @param kind what embeds the input column
 * @param specJson the {@code ReducerSpec} JSON of the method, or null for the unreduced model
 * @param batchSize rows per forward
 * @param device {@code cpu} or {@code gpu}
 * @param threads libtorch intra-op threads per executor JVM (0: libtorch's default)
 * @param precision the linear layers' precision: {@code fp32}, {@code bf16}, {@code int8} or {@code auto}
 */
record EmbedderConfig(String model, Kind kind, String specJson, int batchSize, String device, int threads,
        String precision)
        implements Serializable {

    /** Batches a sentence encoder sorts by length together (it cuts them into length-bucketed batches). */
    static final int BUCKET_WINDOW_BATCHES = 8;

    /**
     * Rows handed to the model at once: one batch, or for a sentence encoder several, so that it can
     * put texts of similar length in one batch instead of padding each arrival-order batch to its longest.
     */
    int window() {
        return kind == Kind.SENTENCE ? batchSize * BUCKET_WINDOW_BATCHES : batchSize;
    }

    /** What embeds the input column. */
    enum Kind {
        /** CLIP's image tower: image bytes or image paths. */
        CLIP_IMAGE,
        /** CLIP's text tower: texts. */
        CLIP_TEXT,
        /** A bundled BERT sentence encoder: texts. */
        SENTENCE;

        boolean images() {
            return this == CLIP_IMAGE;
        }
    }
}
