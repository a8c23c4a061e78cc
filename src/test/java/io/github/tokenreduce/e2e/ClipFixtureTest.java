package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.clip.ClipModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plain CLIP forward passes of the original CLIP code ({@code shared/fixtures/clip}): every case
 * folder, from every weight naming in it, to 1e-4.
 */
class ClipFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesReferenceEmbeddingsAndLogits() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("clip")) {
            for (Path weights : Fixtures.weights(dir)) {
                tests.add(DynamicTest.dynamicTest(dir.getFileName() + "/" + weights.getFileName(),
                        () -> check(dir, weights)));
            }
        }
        return tests;
    }

    private static void check(Path dir, Path weights) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights, Device.cpu())) {
            matchesReference(dir, clip, m);
        }
    }

    /**
     * {@code clip} against a case's {@code expected.safetensors} ({@code image_embeds},
     * {@code text_embeds}, {@code logits_per_image}, {@code logits_per_text}) on its inputs, to 1e-4.
     */
    static void matchesReference(Path dir, ClipModel clip, NDManager m) {
        Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
        Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
        long[][] ids = Fixtures.rows(in.get("input_ids"));
        NDArray pixels = in.get("pixel_values");
        assertClose(exp.get("image_embeds"), clip.imageFeatures(pixels), 1e-4, "image_embeds");
        assertClose(exp.get("text_embeds"), clip.textFeatures(m, ids), 1e-4, "text_embeds");
        NDArray logits = clip.logitsPerImage(pixels, ids);
        assertClose(exp.get("logits_per_image"), logits, 1e-4, "logits_per_image");
        assertClose(exp.get("logits_per_text"), logits.transpose(), 1e-4, "logits_per_text");
    }
}
