package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.pumer.ImageMerge;
import io.github.tokenreduce.core.pumer.PruneScore;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.djl.nn.KeyMasking;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vilt.ViltBatch;
import io.github.tokenreduce.djl.vilt.ViltModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PuMer inside ViLT as the PuMer authors run it ({@code shared/fixtures/vilt-pumer} and this
 * repository's {@code src/test/resources/fixtures/vilt-pumer}): every case of every folder's
 * {@code fixture.json} (reduce layers, prune / merge / text ratios, merge style, mean- or first-head
 * score),
 * with the authors' masked softmax and {@link PumerReducer.Builder#asAuthors()}: VQA logits, rank
 * score, pooler and last hidden state to 1e-4, the mask after every block to 1e-6 and the token
 * counts exactly; and the unreduced logits of the same model.
 */
class ViltPumerFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesTheAuthorsReducedForwardPasses() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vilt-pumer")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            for (Path weights : Fixtures.weights(dir)) {
                String at = Fixtures.name(dir) + "/" + weights.getFileName() + "/";
                tests.add(DynamicTest.dynamicTest(at + "unreduced",
                        () -> unreduced(dir, weights)));
                for (Map.Entry<String, JsonElement> c : fixture.getAsJsonObject("cases").entrySet()) {
                    tests.add(DynamicTest.dynamicTest(at + c.getKey(),
                            () -> reduced(dir, weights, c.getKey(), c.getValue().getAsJsonObject())));
                }
            }
        }
        return tests;
    }

    private static void unreduced(Path dir, Path weights) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ViltModel vilt = ViltModel.load(weights, Device.cpu())) {
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            assertClose(exp.get("unreduced_qa_logits"),
                    vilt.withMasking(KeyMasking.PUMER_SOFTMAX).vqaLogits(ViltFixtureTest.batch(in, true)), 1e-4,
                    "unreduced qa_logits");
        }
    }

    /** PuMer as a case of {@code fixture.json} spells it ({@code spec}), with the authors' behaviours. */
    static PumerReducer pumer(JsonObject spec) {
        JsonArray layers = spec.getAsJsonArray("reduce_layers");
        int[] at = new int[layers.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = layers.get(i).getAsInt();
        }
        return PumerReducer.builder().asAuthors().layers(at)
                .pruneRatio(spec.get("prune_r").getAsDouble()).mergeRatio(spec.get("merge_r").getAsDouble())
                .textMergeRatio(spec.get("merge_text").getAsDouble())
                .pruneScore(PruneScore.fromSimMethod(spec.get("sim_method").getAsString()))
                .imageMerge(ImageMerge.valueOf(spec.get("merge_style").getAsString().toUpperCase(java.util.Locale.ROOT)))
                .build();
    }

    private static void reduced(Path dir, Path weights, String name, JsonObject c) throws Exception {
        PumerReducer pumer = pumer(c.getAsJsonObject("spec"));
        try (NDManager m = NDManager.newBaseManager(); ViltModel plain = ViltModel.load(weights, Device.cpu())) {
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            ViltModel vilt = plain.withMasking(KeyMasking.PUMER_SOFTMAX)
                    .withReduction(Site.FUSION, TowerReduction.of(pumer));
            ViltBatch batch = ViltFixtureTest.batch(in, true);
            List<float[]> masks = new ArrayList<>();
            List<long[]> shapes = new ArrayList<>();
            ViltModel.Output out = vilt.encode(batch, (l, t) -> {
                masks.add(t.keyMask().toFloatArray());
                shapes.add(t.keyMask().getShape().getShape());
            });
            JsonArray perLayer = c.getAsJsonArray("per_layer");
            for (int l = 0; l < perLayer.size(); l++) {
                JsonObject e = perLayer.get(l).getAsJsonObject();
                assertEquals(e.get("tokens_out").getAsInt(), out.tokensPerLayer()[e.get("layer").getAsInt()],
                        name + " tokens after layer " + l);
            }
            for (int l = 0; l < masks.size(); l++) {
                NDArray want = exp.get(name + ".layer" + l + ".co_mask");
                if (want != null) {
                    assertClose(want, m.create(masks.get(l), new Shape(shapes.get(l))), 1e-6, name + " mask after layer " + l);
                }
            }
            assertClose(exp.get(name + ".last_hidden_state"), out.lastHidden(), 1e-4, name + " last_hidden_state");
            assertClose(exp.get(name + ".pooler_output"), out.pooler(), 1e-4, name + " pooler_output");
            assertClose(exp.get(name + ".qa_logits"), vilt.vqaLogits(batch), 1e-4, name + " qa_logits");
            assertClose(exp.get(name + ".rank_score"), vilt.rankScores(batch), 1e-4, name + " rank_score");
        }
    }
}
