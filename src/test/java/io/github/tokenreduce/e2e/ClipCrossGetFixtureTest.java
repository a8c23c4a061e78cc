package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static io.github.tokenreduce.e2e.Fixtures.assertCounts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.TieBreak;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whole CrossGET-reduced CLIP forward passes from the CrossGET authors' model
 * ({@code shared/fixtures/clip-crossget}). The authors' state dict loads as it is (the learned
 * cross-token offsets come from the model file); text runs with {@link ClipModel.TextPadding#AUTHORS}.
 * For every case of every {@code fixture.json}: the main outputs with {@link TieBreak#PYTORCH_CPU},
 * the {@code _stablesort} outputs (where present) with {@link TieBreak#INDEX}; embeddings and
 * logits to 1e-4, token counts exact.
 */
class ClipCrossGetFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesTheAuthorsReducedForwardPasses() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ClipCrossGetCase c : ClipCrossGetCase.all()) {
            for (TieBreak tie : TieBreak.values()) {
                tests.add(DynamicTest.dynamicTest(c.id() + "/" + tie,
                        () -> check(c.dir(), c.weights(), c.spec(), c.name(), tie)));
            }
        }
        return tests;
    }

    private static void check(Path dir, Path weights, JsonObject spec, String name, TieBreak tie) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ClipModel plain = ClipModel.load(weights, Device.cpu())) {
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            boolean reduce = !"none".equals(spec.get("reduce").getAsString());
            String suffix = tie == TieBreak.INDEX && reduce ? "_stablesort" : "";
            String key = "image_embeds_" + name + suffix;
            if (!exp.containsKey(key)) {
                assertTrue(tie == TieBreak.INDEX, "missing " + key);
                suffix = ""; // a case that does not reduce has one answer under either tie order
            }
            ClipModel clip = plain.withTextPadding(ClipModel.TextPadding.AUTHORS);
            if (reduce) {
                assertTrue(plain.crossOffsets(Site.VISION_BLOCKS).isPresent(), "the checkpoint's cross_image offsets");
                clip = clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(CrossGetReducer.builder()
                                .r(spec.get("rv").getAsInt()).tieBreak(tie).build()))
                        .withReduction(Site.TEXT_BLOCKS, TowerReduction.of(CrossGetReducer.builder()
                                .r(spec.get("rl").getAsInt()).tieBreak(tie).build()));
            }
            long[][] ids = Fixtures.rows(in.get("input_ids"));
            NDArray pixels = in.get("pixel_values");
            ClipModel.Encoded image = clip.encodeImage(pixels);
            ClipModel.Encoded text = clip.encodeText(m, ids);
            assertClose(exp.get("image_embeds_" + name + suffix), image.embeddings(), 1e-4, name + suffix + " image");
            assertClose(exp.get("text_embeds_" + name + suffix), text.embeddings(), 1e-4, name + suffix + " text");
            NDArray logits = clip.logitsPerImage(pixels, ids);
            assertClose(exp.get("logits_per_image_" + name + suffix), logits, 1e-4, name + suffix + " logits");
            if (suffix.isEmpty()) {
                assertClose(exp.get("logits_per_text_" + name), logits.transpose(), 1e-4, name + " logits_per_text");
            }
            assertCounts(exp.get("vision_tokens_" + name), image.tokensPerLayer(), name + " vision tokens");
            assertCounts(exp.get("text_tokens_" + name), text.tokensPerLayer(), name + " text tokens");
            assertEquals(spec.getAsJsonArray("vision_tokens_after_block").get(0).getAsInt(), image.tokensPerLayer()[0]);
        }
    }
}
