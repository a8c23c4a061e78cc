package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.text.TextBatch;
import io.github.tokenreduce.djl.vilt.ViltBatch;
import io.github.tokenreduce.djl.vilt.ViltModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Unreduced ViLT against Hugging Face's {@code ViltForQuestionAnswering} /
 * {@code ViltForImageAndTextRetrieval} ({@code shared/fixtures/vilt}, every case folder and weight
 * variant): VQA logits, rank score, pooler and last hidden state to 1e-4, with ragged text, token
 * types, a partly padded image and resized position embeddings.
 */
class ViltFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesHuggingFaceVilt() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vilt")) {
            for (Path weights : Fixtures.weights(dir)) {
                tests.add(DynamicTest.dynamicTest(dir.getFileName() + "/" + weights.getFileName(),
                        () -> check(dir, weights)));
            }
        }
        return tests;
    }

    static ViltBatch batch(Map<String, NDArray> in, boolean withTypes) {
        TextBatch text = new TextBatch(Fixtures.rows(in.get("input_ids")), Fixtures.rows(in.get("attention_mask")),
                withTypes ? Fixtures.rows(in.get("token_type_ids")) : null);
        return new ViltBatch(text, in.get("pixel_values"), in.get("pixel_mask"));
    }

    private static void check(Path dir, Path weights) throws Exception {
        JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
        try (NDManager m = NDManager.newBaseManager(); ViltModel vilt = ViltModel.load(weights, Device.cpu())) {
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            ViltBatch batch = batch(in, true);
            ViltModel.Output out = vilt.encode(batch);
            assertEquals(fixture.get("text_tokens").getAsInt() + fixture.get("image_tokens").getAsInt(),
                    out.lastHidden().getShape().get(1));
            assertClose(exp.get("co_mask"), out.keyMask(), 0, "co_mask");
            assertClose(exp.get("last_hidden_state"), out.lastHidden(), 1e-4, "last_hidden_state");
            assertClose(exp.get("pooler_output"), out.pooler(), 1e-4, "pooler_output");
            assertClose(exp.get("qa_logits"), vilt.vqaLogits(batch), 1e-4, "qa_logits");
            assertClose(exp.get("rank_score"), vilt.rankScores(batch), 1e-4, "rank_score");
        }
    }
}
