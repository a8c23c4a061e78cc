package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static io.github.tokenreduce.e2e.Fixtures.assertCounts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.TieBreak;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipOnnxExport;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ONNX export of CLIP's image tower with its reduction inside, on every case of the
 * {@code clip} and {@code clip-crossget} fixture families: the graph traced from the eager model (on
 * a batch of 2) runs in ONNX Runtime on the fixture's batch of 3 and on a batch of 1, keeps the
 * eager path's token count after every block and gives the eager image embeddings to 1e-4 — and,
 * where the fixture has them, the authors' embeddings and token counts. Methods the graph cannot
 * express are refused before a file is written.
 */
class ClipOnnxExportTest {

    @TempDir
    Path tmp;

    /**
     * Every case of every {@code clip-crossget} {@code fixture.json}: CrossGET with the case's rv and
     * the checkpoint's learned cross-token offsets (the stable tie order: PyTorch's CPU order is
     * emulated on the host and cannot be a graph), or unreduced for {@code reduce: none}; against the
     * authors' {@code _stablesort} embeddings (or the only ones, for a case that does not reduce).
     */
    @TestFactory
    List<DynamicTest> crossGetCasesMatchEagerAndTheAuthors() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("clip-crossget")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            for (Path weights : Fixtures.weights(dir)) {
                for (JsonElement c : fixture.getAsJsonArray("cases")) {
                    JsonObject spec = c.getAsJsonObject();
                    String name = spec.get("name").getAsString();
                    String id = Fixtures.name(dir) + "/" + weights.getFileName() + "/" + name;
                    tests.add(DynamicTest.dynamicTest(id, () -> checkCrossGetCase(dir, weights, spec, name, id)));
                }
            }
        }
        return tests;
    }

    private void checkCrossGetCase(Path dir, Path weights, JsonObject spec, String name, String id) throws Exception {
        boolean reduce = !"none".equals(spec.get("reduce").getAsString());
        TowerReduction crossget = reduce ? TowerReduction.of(CrossGetReducer.builder()
                .r(spec.get("rv").getAsInt()).tieBreak(TieBreak.INDEX).build()) : null;
        try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights, Device.cpu())) {
            assertTrue(!reduce || clip.crossOffsets(Tower.VISION).isPresent(), "the checkpoint's cross_image offsets");
            Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
            Path file = tmp.resolve(id.replaceAll("[/:]", "_") + ".onnx");
            OnnxExport.Result written = ClipOnnxExport.exportImage(weights, crossget, file);
            assertCounts(exp.get("vision_tokens_" + name), written.tokensPerLayer(), id + " tokens traced");
            ClipModel eager = crossget == null ? clip : clip.withReduction(Tower.VISION, crossget);
            Map<String, NDArray> ort = assertGraphMatchesEager(file, eager, pixels, m, id);
            String key = exp.containsKey("image_embeds_" + name + "_stablesort") ? "image_embeds_" + name + "_stablesort"
                    : "image_embeds_" + name;
            assertClose(exp.get(key), ort.get("image_embeds"), 1e-4, id + " image_embeds vs the authors' " + key);
            assertCounts(exp.get("vision_tokens_" + name), toInts(ort.get(OnnxExport.TOKENS_PER_LAYER)),
                    id + " tokens vs the authors'");
        }
    }

    /**
     * Every {@code clip} case and weight naming: unreduced (against the original CLIP code's
     * embeddings), ToMe r = 16 and CrossGET r = 16 (cross token without learned offsets), against the
     * eager path.
     */
    @TestFactory
    List<DynamicTest> clipCasesMatchEagerAndTheReference() {
        Map<String, TowerReduction> methods = new LinkedHashMap<>();
        methods.put("plain", null);
        methods.put("tome-r16", TowerReduction.of(ToMeReducer.builder().r(16).build()));
        methods.put("crossget-r16", TowerReduction.of(CrossGetReducer.builder().r(16).build()));
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("clip")) {
            for (Path weights : Fixtures.weights(dir)) {
                for (Map.Entry<String, TowerReduction> method : methods.entrySet()) {
                    String id = Fixtures.name(dir) + "/" + weights.getFileName() + "/" + method.getKey();
                    tests.add(DynamicTest.dynamicTest(id, () -> checkClipCase(dir, weights, method.getValue(), id)));
                }
            }
        }
        return tests;
    }

    private void checkClipCase(Path dir, Path weights, TowerReduction reduction, String id) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(weights, Device.cpu())) {
            NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
            Path file = tmp.resolve(id.replaceAll("[/:]", "_") + ".onnx");
            OnnxExport.Result written = ClipOnnxExport.exportImage(weights, reduction, file);
            int[] tokens = written.tokensPerLayer();
            if (reduction == null) {
                assertEquals(clip.config().visionLayers(), tokens.length, id + " one count per block");
                assertTrue(Arrays.stream(tokens).allMatch(n -> n == tokens[0]), id + " unreduced keeps every token");
                NDArray ort = assertGraphMatchesEager(file, clip, pixels, m, id).get("image_embeds");
                NDArray reference = Fixtures.tensors(dir.resolve("expected.safetensors"), m).get("image_embeds");
                assertClose(reference, ort, 1e-4, id + " image_embeds vs the original CLIP code");
            } else {
                assertTrue(tokens[tokens.length - 1] < tokens[0], id + " reduces: " + Arrays.toString(tokens));
                assertGraphMatchesEager(file, clip.withReduction(Tower.VISION, reduction), pixels, m, id);
            }
        }
    }

    /**
     * What the graph cannot express fails before a file exists, saying why: MADTP's per-sample counts,
     * PuMer (it needs cross-attention, which CLIP lacks), and PyTorch's CPU tie order (ranked on the host).
     */
    @TestFactory
    List<DynamicTest> inexpressibleMethodsAreRefusedBeforeWriting() {
        Path weights = Fixtures.weights(Fixtures.cases("clip-crossget").get(0)).get(0);
        Map<String, Object[]> refused = new LinkedHashMap<>();
        refused.put("madtp", new Object[] {TowerReduction.of(MadtpReducer.builder().build()),
                UnsupportedOperationException.class, "per sample"});
        refused.put("pumer", new Object[] {TowerReduction.of(PumerReducer.builder().build()),
                IllegalArgumentException.class, "text-to-image attention"});
        refused.put("crossget-pytorch-cpu-ties", new Object[] {TowerReduction.of(CrossGetReducer.builder().r(16)
                .tieBreak(TieBreak.PYTORCH_CPU).build()), UnsupportedOperationException.class, "per sample"});
        return refused.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Path file = tmp.resolve(e.getKey() + ".onnx");
            @SuppressWarnings("unchecked")
            Class<? extends RuntimeException> type = (Class<? extends RuntimeException>) e.getValue()[1];
            RuntimeException x = assertThrows(type,
                    () -> ClipOnnxExport.exportImage(weights, (TowerReduction) e.getValue()[0], file));
            assertTrue(x.getMessage().contains((String) e.getValue()[2]), x.getMessage());
            assertFalse(Files.exists(file), "no file is written for a refused method");
        })).toList();
    }

    /**
     * ONNX Runtime on {@code file} for {@code pixels} and for its first image equals {@code eager}: image
     * embeddings to 1e-4, the same token count after every block. Returns the outputs for all of {@code pixels}.
     */
    private static Map<String, NDArray> assertGraphMatchesEager(Path file, ClipModel eager, NDArray pixels,
            NDManager m, String name) {
        assertTrue(pixels.getShape().get(0) != OnnxExport.EXAMPLE_BATCH, "the test batch must differ from the traced one");
        Map<String, NDArray> all = null;
        for (NDArray batch : List.of(pixels, pixels.get("0:1"))) {
            String what = name + " batch " + batch.getShape().get(0);
            ClipModel.Encoded e = eager.encodeImage(batch);
            Map<String, NDArray> ort = OnnxRuntimeRun.run(file, "pixels", batch, m);
            assertClose(e.embeddings(), ort.get("image_embeds"), 1e-4, what + " image_embeds vs eager");
            assertEquals(Arrays.toString(e.tokensPerLayer()),
                    Arrays.toString(toInts(ort.get(OnnxExport.TOKENS_PER_LAYER))), what + " tokens per layer");
            all = all == null ? ort : all;
        }
        return all;
    }

    private static int[] toInts(NDArray counts) {
        return Arrays.stream(counts.toLongArray()).mapToInt(Math::toIntExact).toArray();
    }
}
