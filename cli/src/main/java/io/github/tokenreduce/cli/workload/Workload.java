package io.github.tokenreduce.cli.workload;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Levels;

import java.util.List;
import java.util.Optional;

/**
 * A model with fixed inputs that {@code tokenreduce bench} can run with any method attached: one
 * {@link #forward} is one timed unit of work ({@link #items()} images or documents).
 */
public interface Workload extends AutoCloseable {

    /** A one-line description ("CLIP ViT-B/16 vision tower, random weights, batch 8"). */
    String describe();

    /** What one forward processes ("images", "documents", "pairs"). */
    String unit();

    /** How many of {@link #unit()} one forward processes. */
    int items();

    /** The methods that apply here, by name (tome, crossget, madtp, pumer). */
    List<String> methods();

    /** The methods run when none are named (default: all of {@link #methods()}). */
    default List<String> defaultMethods() {
        return methods();
    }

    /** The reduction levels tried by default: r values, or keep ratios for text. */
    List<Double> defaultLevels();

    /** {@code method} at {@code level}, configured as this workload's kind needs. */
    default TokenReducer reducer(String method, double level) {
        return reducer(method, schedule(method, level));
    }

    /** {@code method} with {@code schedule} (tome, crossget, madtp), configured as this workload's kind needs. */
    default TokenReducer reducer(String method, Schedule schedule) {
        return Levels.reducer(method, schedule, proportionalAttention());
    }

    /** Whether merging methods weight attention by token size here (yes for vision towers). */
    default boolean proportionalAttention() {
        return true;
    }

    /** The schedule a level stands for. */
    Schedule schedule(String method, double level);

    /** Prepares the model with {@code reducer} attached (null: unreduced), in float32. */
    default Forward prepare(TokenReducer reducer) {
        return prepare(reducer, Precision.FP32);
    }

    /** Prepares the model with {@code reducer} attached (null: unreduced), its linear layers in {@code precision}. */
    Forward prepare(TokenReducer reducer, Precision precision);

    /**
     * The model with {@code reducer} attached (null: unreduced) exported as one ONNX graph with its
     * products in {@code precision} (float32 or int8) and run by ONNX Runtime on the same inputs; empty
     * where this workload has no export.
     */
    default Optional<Forward> exported(TokenReducer reducer, Precision precision) {
        return Optional.empty();
    }

    /** A peer runtime on the same inputs (ONNX Runtime Java where the model is an ONNX file). */
    default Optional<Runnable> peer() {
        return Optional.empty();
    }

    /** The peer's name. */
    default String peerName() {
        return "onnxruntime";
    }

    @Override
    void close();

    /** One configured model. */
    interface Forward {
        /** Runs one forward; returns the token count after each layer of the reduced tower. */
        int[] run();

        /** Multiply-add FLOPs of a forward that left {@code tokensPerLayer}. */
        double flops(int[] tokensPerLayer);

        /**
         * One forward's outputs as vectors (embeddings, features or logits), for fidelity to the unreduced model;
         * null where they are not the same kind as the eager rows' (an exported graph that gives other outputs,
         * checked against the eager model when exported).
         */
        float[][] outputs();
    }
}
