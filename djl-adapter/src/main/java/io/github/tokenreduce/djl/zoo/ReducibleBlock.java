package io.github.tokenreduce.djl.zoo;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.function.UnaryOperator;

/**
 * The DJL {@code Block} a {@code ZooModel} runs when one of our translator factories serves it: its
 * forward pass is our block-by-block model (with the method the {@code reduction} argument names).
 *
 * <p>A new, empty instance ({@link #pending()}) is what a user gives {@code Criteria.optBlock} for a
 * folder of weights (safetensors, a state dict, a TorchScript archive, an ONNX sentence encoder),
 * together with {@code optOption("hasParameter", "false")}: DJL then leaves the loading to the
 * translator factory, which replaces it with a working block. A TorchScript archive given as
 * {@code optModelPath(file.pt)} needs neither: DJL loads it and the factory wraps its parameters.
 */
public final class ReducibleBlock extends AbstractBlock {

    private final UnaryOperator<NDList> forward;
    private final String description;

    private ReducibleBlock(UnaryOperator<NDList> forward, String description) {
        this.forward = forward;
        this.description = description;
    }

    /** A placeholder telling our translator factories to load the model from the model path. */
    public static ReducibleBlock pending() {
        return new ReducibleBlock(null, "pending: loaded by a tokenreduce translator factory");
    }

    /** A block running {@code forward}, described by {@code description}. */
    static ReducibleBlock of(UnaryOperator<NDList> forward, String description) {
        return new ReducibleBlock(forward, description);
    }

    /** Whether this is a placeholder still to be replaced by a translator factory. */
    public boolean isPending() {
        return forward == null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (forward == null) {
            throw new IllegalStateException("ReducibleBlock: this placeholder has not been replaced; load the "
                    + "model through Criteria with one of tokenreduce's translator factories (io.github.tokenreduce.djl.zoo)");
        }
        return forward.apply(inputs);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException("ReducibleBlock: output shapes depend on the model and the method; "
                + "run it to see them");
    }

    @Override
    public String toString() {
        return "ReducibleBlock(" + description + ")";
    }
}
