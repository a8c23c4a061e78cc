package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static io.github.tokenreduce.e2e.Fixtures.assertCounts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitModel;
import io.github.tokenreduce.djl.vit.VitOnnxExport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
            OnnxExport.Result written = VitOnnxExport.export(c.weights(), c.overrides(), tome, file);
            assertCounts(exp.get("tokens_" + name), written.tokensPerLayer(), name + " tokens traced");

            Map<String, NDArray> ort = assertGraphMatchesEager(file, vit.withReduction(Site.VISION_BLOCKS, tome),
                    in.get("pixel_values"), m, name);
            assertClose(exp.get("logits_" + name), ort.get("logits"), 1e-4, name + " logits vs the authors' code");
        }
    }

    /**
     * CrossGET (a fixed count per layer, like ToMe) and ToMe with a keep ratio export as well; MADTP,
     * whose counts are decided per sample from the data, is refused with a reason, not written wrong.
     */
    @TestFactory
    List<DynamicTest> otherMethodsExportOrAreRefused() {
        Map<Path, VitTomeCase> perWeights = new LinkedHashMap<>(); // one per folder and naming
        VitTomeCase.all().forEach(c -> perWeights.putIfAbsent(c.weights(), c));
        return perWeights.values().stream().map(c -> DynamicTest.dynamicTest(
                c.dir().getFileName() + "/" + c.weights().getFileName(), () -> {
                    Map<String, TowerReduction> methods = new LinkedHashMap<>();
                    methods.put("crossget-r8", TowerReduction.of(CrossGetReducer.builder().r(8).build()));
                    methods.put("tome-keep0.9", TowerReduction.of(
                            ToMeReducer.builder().schedule(Schedule.keepRatio(0.9)).build()));
                    try (NDManager m = NDManager.newBaseManager();
                            VitModel vit = VitModel.load(c.weights(), Device.cpu(), c.overrides())) {
                        NDArray pixels = Fixtures.tensors(c.dir().resolve("inputs.safetensors"), m).get("pixel_values");
                        for (Map.Entry<String, TowerReduction> e : methods.entrySet()) {
                            Path file = tmp.resolve(e.getKey() + ".onnx");
                            OnnxExport.Result r = VitOnnxExport.export(c.weights(), c.overrides(), e.getValue(), file);
                            assertTrue(r.tokensPerLayer()[r.tokensPerLayer().length - 1] < vit.config().tokens(),
                                    e.getKey() + " reduces");
                            assertGraphMatchesEager(file, vit.withReduction(Site.VISION_BLOCKS, e.getValue()), pixels, m,
                                    e.getKey());
                        }
                        UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
                                () -> VitOnnxExport.export(c.weights(), c.overrides(),
                                        TowerReduction.of(MadtpReducer.builder().build()), tmp.resolve("madtp.onnx")));
                        assertTrue(refused.getMessage().contains("per sample"), refused.getMessage());
                    }
                })).toList();
    }

    /**
     * With int8 products (dynamic quantization) the graph holds ONNX Runtime's int8 product and no float
     * product with a weight, keeps the eager token counts, and its features stay within a cosine of
     * {@link OnnxExport#INT8_MIN_COSINE} of the float32 eager ones on the fixture's batch, without
     * equalling them. bf16 is refused before anything is written.
     */
    @TestFactory
    List<DynamicTest> int8GraphQuantizesEveryWeightProduct() {
        Map<Path, VitTomeCase> perWeights = new LinkedHashMap<>();
        VitTomeCase.all().forEach(c -> perWeights.putIfAbsent(c.weights(), c));
        return perWeights.values().stream().map(c -> DynamicTest.dynamicTest(
                c.dir().getFileName() + "/" + c.weights().getFileName(), () -> {
                    try (NDManager m = NDManager.newBaseManager();
                            VitModel vit = VitModel.load(c.weights(), Device.cpu(), c.overrides())) {
                        NDArray pixels = Fixtures.tensors(c.dir().resolve("inputs.safetensors"), m).get("pixel_values");
                        TowerReduction tome = c.tome(vit.config().layers(), true);
                        Path file = tmp.resolve("int8.onnx");
                        OnnxExport.Result r = VitOnnxExport.export(c.weights(), c.overrides(), tome, file,
                                Precision.INT8);
                        String graph = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                        assertTrue(graph.contains("MatMulInteger") && graph.contains("DynamicQuantizeLinear"),
                                "int8 products in the graph");
                        VitModel.Classification e = vit.withReduction(Site.VISION_BLOCKS, tome).classify(pixels);
                        Map<String, NDArray> ort = OnnxRuntimeRun.run(file, "pixels", pixels, m);
                        assertEquals(Arrays.toString(Arrays.stream(e.tokensPerLayer()).asLongStream().toArray()),
                                Arrays.toString(ort.get("tokens_per_layer").toLongArray()), "tokens per layer");
                        NDArray f = ort.get("features");
                        NDArray cos = f.mul(e.features()).sum(new int[] {1})
                                .div(f.norm(new int[] {1}).mul(e.features().norm(new int[] {1})));
                        assertTrue(cos.min().getFloat() >= OnnxExport.INT8_MIN_COSINE, "cosine " + cos);
                        assertTrue(f.sub(e.features()).abs().max().getFloat() > 1e-5f, "quantized, not float32");
                        assertTrue(1 - r.maxDifference() >= OnnxExport.INT8_MIN_COSINE);
                        Path bf16 = tmp.resolve("bf16.onnx");
                        assertThrows(IllegalArgumentException.class, () -> VitOnnxExport.export(c.weights(),
                                c.overrides(), tome, bf16, Precision.BF16));
                        assertTrue(Files.notExists(bf16), "nothing written for a refused precision");
                    }
                })).toList();
    }

    /**
     * ONNX Runtime on {@code file} for {@code pixels} and for its first image equals {@code eager}: logits
     * and features to 1e-4, the same token count after every block. Returns the outputs for all of {@code pixels}.
     */
    private static Map<String, NDArray> assertGraphMatchesEager(Path file, VitModel eager, NDArray pixels,
            NDManager m, String name) {
        assertTrue(pixels.getShape().get(0) != 2, "the test batch must differ from the traced batch");
        Map<String, NDArray> all = null;
        for (NDArray batch : List.of(pixels, pixels.get("0:1"))) {
            String what = name + " batch " + batch.getShape().get(0);
            VitModel.Classification e = eager.classify(batch);
            Map<String, NDArray> ort = OnnxRuntimeRun.run(file, "pixels", batch, m);
            assertClose(e.logits(), ort.get("logits"), 1e-4, what + " logits vs eager");
            assertClose(e.features(), ort.get("features"), 1e-4, what + " features vs eager");
            assertEquals(Arrays.toString(Arrays.stream(e.tokensPerLayer()).asLongStream().toArray()),
                    Arrays.toString(ort.get("tokens_per_layer").toLongArray()), what + " tokens per layer");
            all = all == null ? ort : all;
        }
        return all;
    }
}
