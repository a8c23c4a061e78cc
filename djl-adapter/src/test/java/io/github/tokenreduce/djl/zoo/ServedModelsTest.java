package io.github.tokenreduce.djl.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.testing.Shared;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The weights a factory loads behind a pending placeholder sit on their own sub-manager of the model's,
 * so a factory that serves an exported graph instead frees them (the graph reads its own copy) while
 * the model stays open.
 */
class ServedModelsTest {

    @Test
    void freeingTheServedWeightsLeavesTheModelOpenAndItsConfigReadable() throws Exception {
        Path weights = Shared.dir().resolve("fixtures/torchscript/openai-jit-w128-l2-p16-64/state_dict.safetensors");
        try (Model model = Model.newInstance("state_dict", Device.cpu(), "PyTorch")) {
            model.setBlock(ReducibleBlock.pending());
            model.load(weights.getParent(), "state_dict", Map.of("hasParameter", "false"));
            ServedModels.Served<ClipModel> served = ServedModels.served(model, ClipModel.class, "test");
            assertNotNull(served.weights(), "weights behind the placeholder are on a manager of their own");
            int size = served.model().config().imageSize();
            NDArray pixels = model.getNDManager().randomNormal(new Shape(1, 3, size, size));
            assertEquals(1, served.model().imageFeatures(pixels).getShape().get(0), "the loaded model runs");

            served.free();
            assertTrue(model.getNDManager().isOpen(), "the model's manager stays open");
            assertEquals(size, served.model().config().imageSize(), "the config stays readable");
            assertThrows(IllegalStateException.class, () -> served.model().imageFeatures(pixels),
                    "the weights are gone: a forward fails rather than holding them");
            assertEquals(1, pixels.getShape().get(0)); // arrays of the model's own manager are untouched
            assertEquals(3 * size * size, pixels.toFloatArray().length);
        }
    }
}
