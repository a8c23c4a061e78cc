package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.blip.BlipModel;
import io.github.tokenreduce.djl.text.TextBatch;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BLIP image-text retrieval against Hugging Face's {@code BlipForImageTextRetrieval}
 * ({@code shared/fixtures/blip}): every case folder, every weight variant, to 1e-4 on whichever of
 * {@code itm_logits}, {@code itm_score} and {@code itc_similarity} the case holds (at least one).
 */
class BlipFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesReferenceItmAndItc() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("blip")) {
            for (Path weights : Fixtures.weights(dir)) {
                tests.add(DynamicTest.dynamicTest(dir.getFileName() + "/" + weights.getFileName(),
                        () -> check(dir, weights)));
            }
        }
        return tests;
    }

    private static void check(Path dir, Path weights) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); BlipModel blip = BlipModel.load(weights, Device.cpu())) {
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            TextBatch text = new TextBatch(Fixtures.rows(in.get("input_ids")), Fixtures.rows(in.get("attention_mask")));
            NDArray pixels = in.get("pixel_values");
            int compared = 0;
            BlipModel.Matching match = blip.match(pixels, text);
            if (exp.containsKey("itm_logits")) {
                assertClose(exp.get("itm_logits"), match.logits(), 1e-4, "itm_logits");
                compared++;
            }
            if (exp.containsKey("itm_score")) {
                assertClose(exp.get("itm_score"), match.scores(), 1e-4, "itm_score");
                compared++;
            }
            if (exp.containsKey("itc_similarity")) {
                assertClose(exp.get("itc_similarity"), blip.itcSimilarity(pixels, text), 1e-4, "itc_similarity");
                compared++;
            }
            assertTrue(compared > 0, dir + ": expected.safetensors holds none of itm_logits, itm_score, itc_similarity");
        }
    }
}
