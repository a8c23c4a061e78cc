package io.github.tokenreduce.djl.family;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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
     * @param imageSize the side S of the pixels [B, 3, S, S] the graph takes
     */
    record Geometry(String description, int layers, int tokens, int imageSize) {}

    /**
     * The graph output that gives the family's {@code ImageForward.outputs}: as they are, or L2-normalised
     * per row when {@link #normalizedOutputs}.
     */
    String output();

    /** Whether {@code ImageForward.outputs} are {@link #output}'s rows L2-normalised (CLIP's unit embeddings). */
    default boolean normalizedOutputs() {
        return false;
    }

    /** The graph's rows of {@link #output} as the family's outputs: L2-normalised in place when {@link #normalizedOutputs}. */
    default float[][] outputs(float[][] rows) {
        if (normalizedOutputs()) {
            for (float[] r : rows) {
                double norm = 0;
                for (float v : r) {
                    norm += (double) v * v;
                }
                float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
                for (int i = 0; i < r.length; i++) {
                    r[i] *= inv;
                }
            }
        }
        return rows;
    }

    /**
     * The pixels [N, 3, S, S] the graph takes for decoded images, preprocessed as the family's eager
     * model does ({@link EntryPoint#IMAGE_EMBEDDING}).
     *
     * @throws UnsupportedOperationException where the family has no image preprocessing of its own
     */
    default NDArray pixels(NDManager manager, List<BufferedImage> images, Geometry geometry) {
        throw new UnsupportedOperationException("images: this family's graph has no image preprocessing of its own; "
                + "pass normalised pixels [N, 3, " + geometry.imageSize() + ", " + geometry.imageSize() + "]");
    }

    /** The geometry of the model at {@code model}. */
    Geometry geometry(Path model) throws IOException;

    /** Writes the model at {@code model} with {@code reduction} (null: none) as one float32 graph at {@code target}. */
    default OnnxExport.Result export(Path model, TowerReduction reduction, Path target) throws IOException {
        return export(model, reduction, target, Precision.FP32);
    }

    /**
     * As {@link #export(Path, TowerReduction, Path)} with the products with weights in {@code precision}
     * (fp32, or int8 as dynamic quantization; another precision is refused before anything is written).
     */
    OnnxExport.Result export(Path model, TowerReduction reduction, Path target, Precision precision) throws IOException;
}
