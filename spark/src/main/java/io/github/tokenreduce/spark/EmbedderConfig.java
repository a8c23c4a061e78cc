package io.github.tokenreduce.spark;

import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.site.Site;

import java.io.Serializable;

/**
 * What an executor needs to build its model: resolved on the driver from the transformer's
 * {@code Param}s (the schedule file is read there, so executors need no access to it) and shipped
 * with each task. Equal configurations share one model per executor JVM.
 *
 * @param model a model folder or file (a family with image or text embeddings: CLIP), or a bundled
 *     model's name (the sentence encoders)
 * @param images whether the model embeds images (at its VISION site), else texts (at its TEXT site)
 * @param specJson the {@code ReducerSpec} JSON of the method, or null for the unreduced model
 * @param batchSize rows per forward
 * @param device {@code cpu} or {@code gpu}
 * @param threads libtorch intra-op threads per executor JVM (0: libtorch's default)
 * @param precision the linear layers' precision: {@code fp32}, {@code bf16}, {@code int8} or {@code auto}
 * @param engine {@code pytorch} (the model block by block) or {@code onnxruntime} (images through the model
 *     exported as one ONNX graph with its reduction inside, {@code OnnxRuntimeImages})
 */
record EmbedderConfig(String model, boolean images, String specJson, int batchSize, String device, int threads,
        String precision, String engine)
        implements Serializable {

    /** Batches a sentence encoder sorts by length together (it cuts them into length-bucketed batches). */
    static final int BUCKET_WINDOW_BATCHES = 8;

    /**
     * Rows handed to the model at once: one batch, or for texts of a bundled sentence encoder several,
     * so that it can put texts of similar length in one batch instead of padding each arrival-order
     * batch to its longest.
     */
    int window() {
        return !images && ModelFamilies.bundling(model).isPresent() ? batchSize * BUCKET_WINDOW_BATCHES : batchSize;
    }

    /** The site the method is attached to: VISION for images, TEXT for texts. */
    Site site() {
        return images ? Site.VISION_BLOCKS : Site.TEXT_BLOCKS;
    }

    /** What the model embeds here, for messages. */
    String what() {
        return images ? "image embeddings" : "text embeddings";
    }
}
