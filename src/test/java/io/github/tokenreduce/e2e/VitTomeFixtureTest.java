package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static io.github.tokenreduce.e2e.Fixtures.assertCounts;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.vit.VitModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Whole ToMe-reduced ViT forward passes from the ToMe authors' code ({@code shared/fixtures/vit-tome}):
 * every case folder, every weight naming, every case of its {@code fixture.json}, with the
 * project's own ToMe reducer configured from the case (r or the (r, inflection) schedule,
 * proportional attention). Logits and features to 1e-4, token counts exact.
 */
class VitTomeFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesTheAuthorsReducedForwardPasses() {
        return VitTomeCase.all().stream().map(c -> DynamicTest.dynamicTest(c.id(), () -> check(c))).toList();
    }

    private static void check(VitTomeCase c) throws Exception {
        Path dir = c.dir();
        String name = c.name();
        JsonObject geometry = c.geometry();
        try (NDManager m = NDManager.newBaseManager();
                VitModel vit = VitModel.load(c.weights(), Device.cpu(), c.overrides())) {
            assertEquals(geometry.get("depth").getAsInt(), vit.config().layers());
            assertEquals(geometry.get("embed").getAsInt(), vit.config().width());
            assertEquals(geometry.get("tokens").getAsInt(), vit.config().tokens());
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            Schedule schedule = Fixtures.tomeSchedule(c.spec().get("r"), vit.config().layers());
            long[] perLayer = exp.get("r_" + name).toLongArray();
            for (int l = 0; l < perLayer.length; l++) {
                assertEquals(perLayer[l], schedule.removals(l, Integer.MAX_VALUE / 2), "parse_r at layer " + l);
            }
            boolean prop = exp.get("prop_attn_" + name).toLongArray()[0] != 0;
            VitModel reduced = vit.withReduction(Site.VISION_BLOCKS, c.tome(vit.config().layers(), prop));
            VitModel.Classification out = reduced.classify(in.get("pixel_values"));
            assertClose(exp.get("logits_" + name), out.logits(), 1e-4, name + " logits");
            assertClose(exp.get("features_" + name), out.features(), 1e-4, name + " features");
            assertCounts(exp.get("tokens_" + name), out.tokensPerLayer(), name + " tokens after each block");
        }
    }
}
