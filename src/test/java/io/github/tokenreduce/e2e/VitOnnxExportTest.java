package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static io.github.tokenreduce.e2e.Fixtures.assertCounts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitModel;
import io.github.tokenreduce.djl.vit.VitOnnxExport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The ONNX export of a ToMe-reduced ViT ({@code shared/fixtures/vit-tome}): for every case folder,
 * weight naming and case of its {@code fixture.json}, the graph traced from the eager model (on a
 * batch of 2) runs in ONNX Runtime on the fixture's batch of 3 and on a batch of 1, keeps the eager
 * path's token count after every block, and gives the eager logits and features to 1e-4 — and the
 * method authors' reference logits to 1e-4.
 */
class VitOnnxExportTest {

    @TempDir
    Path tmp;

    @TestFactory
    List<DynamicTest> exportedGraphMatchesTheEagerPath() {
        return VitTomeCase.all().stream().map(c -> DynamicTest.dynamicTest(c.id(),
                () -> check(c, tmp.resolve(c.id().replace('/', '_') + ".onnx")))).toList();
    }

    private static void check(VitTomeCase c, Path file) throws Exception {
        String name = c.name();
        try (NDManager m = NDManager.newBaseManager();
                VitModel vit = VitModel.load(c.weights(), Device.cpu(), c.overrides())) {
            Map<String, NDArray> in = Fixtures.tensors(c.dir().resolve("inputs.safetensors"), m);
            Map<String, NDArray> exp = Fixtures.tensors(c.dir().resolve("expected.safetensors"), m);
            boolean prop = exp.get("prop_attn_" + name).toLongArray()[0] != 0;
            TowerReduction tome = c.tome(vit.config().layers(), prop);
            VitOnnxExport.Result written = VitOnnxExport.export(c.weights(), c.overrides(), tome, file);
            assertCounts(exp.get("tokens_" + name), written.tokensPerLayer(), name + " tokens traced");

            VitModel reduced = vit.withReduction(Tower.VISION, tome);
            NDArray pixels = in.get("pixel_values");
            assertTrue(pixels.getShape().get(0) != 2, "the fixture batch must differ from the traced batch");
            for (NDArray batch : List.of(pixels, pixels.get("0:1"))) {
                String what = name + " batch " + batch.getShape().get(0);
                VitModel.Classification eager = reduced.classify(batch);
                Map<String, NDArray> ort = OnnxRuntimeRun.run(file, "pixels", batch, m);
                assertClose(eager.logits(), ort.get("logits"), 1e-4, what + " logits vs eager");
                assertClose(eager.features(), ort.get("features"), 1e-4, what + " features vs eager");
                assertEquals(Arrays.toString(Arrays.stream(eager.tokensPerLayer()).asLongStream().toArray()),
                        Arrays.toString(ort.get("tokens_per_layer").toLongArray()), what + " tokens per layer");
                if (batch == pixels) {
                    assertClose(exp.get("logits_" + name), ort.get("logits"), 1e-4, what + " logits vs the authors' code");
                }
            }
        }
    }
}
