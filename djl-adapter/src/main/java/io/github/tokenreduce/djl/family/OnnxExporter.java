package io.github.tokenreduce.djl.family;

import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A family's export as one ONNX graph with the reduction inside ({@link EntryPoint#ONNX_EXPORT}),
 * what {@code tokenreduce export} runs: the graph is checked in ONNX Runtime against the eager model
 * before {@link #export} returns. The graph takes {@code pixels} [B, 3, S, S] and gives {@link #output}
 * and {@code tokens_per_layer} (the tokens each block left), as {@code bench --engines} reads them.
 */
public interface OnnxExporter {

    /**
     * What an export of a model would reduce: its description for the report, its depth (for
     * checking a schedule before anything is written) and its token count.
     *
     * @param description one line ("ViT, 224 px, 12 layers x 768 wide")
     * @param layers the blocks of the reduced site
     * @param tokens the tokens entering the first block
     */
    record Geometry(String description, int layers, int tokens) {}

    /**
     * An export's outcome.
     *
     * @param tokensPerLayer the tokens each block of the graph leaves
     * @param maxDifference the largest difference from the eager model's outputs
     */
    record Result(int[] tokensPerLayer, double maxDifference) {}

    /**
     * The graph output that gives the family's {@code ImageForward.outputs}: as they are, or L2-normalised
     * per row when {@link #normalizedOutputs}.
     */
    String output();

    /** Whether {@code ImageForward.outputs} are {@link #output}'s rows L2-normalised (CLIP's unit embeddings). */
    default boolean normalizedOutputs() {
        return false;
    }

    /** The geometry of the model at {@code model}. */
    Geometry geometry(Path model) throws IOException;

    /** Writes the model at {@code model} with {@code reduction} (null: none) as one float32 graph at {@code target}. */
    default Result export(Path model, TowerReduction reduction, Path target) throws IOException {
        return export(model, reduction, target, Precision.FP32);
    }

    /**
     * As {@link #export(Path, TowerReduction, Path)} with the products with weights in {@code precision}
     * (fp32, or int8 as dynamic quantization; another precision is refused before anything is written).
     */
    Result export(Path model, TowerReduction reduction, Path target, Precision precision) throws IOException;
}
