package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.family.ModelFamily;
import io.github.tokenreduce.djl.weights.torch.TorchScriptArchive;

import java.util.Map;

/**
 * Wraps a model the user already loaded with DJL: a TorchScript archive loaded by {@code Criteria}
 * with the PyTorch engine (OpenAI's CLIP releases are such archives), or a state dict. The family is
 * recognised from the parameter names by the registered families ({@link ModelFamilies}), the loaded tensors are shared (no
 * second copy: our model's weights are the very native tensors of the TorchScript module), and the
 * archive's own code is never run. The result lives as long as the user's model: closing the
 * wrapped model frees nothing; closing the user's {@code ZooModel} frees both.
 */
public final class DjlModels {

    private DjlModels() {}

    /**
     * Our model on the parameters of {@code model}, whose block must be a TorchScript module
     * ({@code PtSymbolBlock}).
     */
    public static WrappedModel wrap(Model model) {
        return wrap(TorchScriptArchive.parameters(model), model.getNDManager(), "model '" + model.getName() + "'");
    }

    /**
     * Our model on a state dict already in memory ({@code tensors}, by state-dict name), built on
     * {@code manager}.
     *
     * @param source what the tensors come from, for errors
     */
    public static WrappedModel wrap(Map<String, NDArray> tensors, NDManager manager, String source) {
        return wrap(tensors, null, manager, source);
    }

    /** As {@link #wrap(Map, NDManager, String)}, with the model's Hugging Face {@code config.json} (null: none). */
    public static WrappedModel wrap(Map<String, NDArray> tensors, JsonObject config, NDManager manager, String source) {
        ModelFamily family = ModelFamilies.recognise(tensors.keySet(), source);
        return new WrappedModel(family, family.wrap(tensors, config, manager).model());
    }
}
