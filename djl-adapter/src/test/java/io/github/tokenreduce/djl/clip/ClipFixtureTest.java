package io.github.tokenreduce.djl.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.Safetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

/**
 * Reproduces the independent CLIP implementation's outputs (shared/fixtures/clip/tiny-vit-b16)
 * from both weight files to 1e-4.
 */
class ClipFixtureTest {

    private static NDManager m;
    private static Map<String, NDArray> inputs;
    private static Map<String, NDArray> expected;

    @BeforeAll
    static void load() throws Exception {
        m = NDManager.newBaseManager();
        Path dir = Shared.dir().resolve("fixtures/clip/tiny-vit-b16");
        inputs = Safetensors.load(dir.resolve("inputs.safetensors"), m, Device.cpu());
        expected = Safetensors.load(dir.resolve("expected.safetensors"), m, Device.cpu());
    }

    @AfterAll
    static void close() {
        m.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "openai/model.safetensors"})
    void reproducesReferenceEmbeddingsAndLogits(String weights) throws Exception {
        Path path = Shared.dir().resolve("fixtures/clip/tiny-vit-b16").resolve(weights);
        try (ClipModel clip = ClipModel.load(path, Device.cpu())) {
            ClipConfig c = clip.config();
            assertEquals(128, c.visionWidth());
            assertEquals(2, c.visionHeads());
            assertEquals(16, c.patch());
            assertEquals(224, c.imageSize());
            assertEquals(77, c.context());
            long[][] ids = ids(inputs.get("input_ids"));
            NDArray img = clip.imageFeatures(inputs.get("pixel_values"));
            NDArray txt = clip.textFeatures(m, ids);
            assertTrue(Shared.maxDiff(expected.get("image_embeds"), img) < 1e-4,
                    "image_embeds differ by " + Shared.maxDiff(expected.get("image_embeds"), img));
            assertTrue(Shared.maxDiff(expected.get("text_embeds"), txt) < 1e-4,
                    "text_embeds differ by " + Shared.maxDiff(expected.get("text_embeds"), txt));
            NDArray logits = clip.logitsPerImage(inputs.get("pixel_values"), ids);
            assertTrue(Shared.maxDiff(expected.get("logits_per_image"), logits) < 1e-4,
                    "logits differ by " + Shared.maxDiff(expected.get("logits_per_image"), logits));
            assertTrue(Shared.maxDiff(expected.get("logits_per_text"), logits.transpose()) < 1e-4);
        }
    }

    static long[][] ids(NDArray a) {
        int b = (int) a.getShape().get(0);
        int n = (int) a.getShape().get(1);
        long[] flat = a.toLongArray();
        long[][] out = new long[b][n];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * n, out[i], 0, n);
        }
        return out;
    }
}
