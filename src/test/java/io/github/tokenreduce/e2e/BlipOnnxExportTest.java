package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.blip.BlipConfig;
import io.github.tokenreduce.djl.blip.BlipModel;
import io.github.tokenreduce.djl.blip.BlipOnnxExport;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The ONNX export of BLIP with its reduction inside, on every case and weight naming of the
 * {@code blip} fixture family: the image tower ({@code image_feat}) and image-text matching
 * ({@code itm_scores}, {@code itm_logits}, texts padded to BLIP's 35 tokens), each traced from the
 * eager model on a batch of 2 and run in ONNX Runtime on the fixture's batch of 3 and on a batch of 1.
 * Each keeps the eager path's vision token count after every block and its outputs to 1e-4; unreduced,
 * the outputs equal Hugging Face's (the fixture's) to 1e-4. MADTP's learned threshold exports with a
 * keep cap (its counts computed in the graph); without one it is refused, as is anything else the
 * graph cannot take, before a file is written.
 */
class BlipOnnxExportTest {

    private static final List<String> IMAGE_METHODS = List.of("plain", "tome", "crossget", "madtp-capped");
    private static final List<String> ITM_METHODS = List.of("plain", "tome", "crossget", "text-tome", "vision-and-text-crossget",
            "fusion-pumer");

    @TempDir
    Path tmp;

    @TestFactory
    List<DynamicTest> imageTowerMatchesEagerAndTheReference() {
        return everyCase("image", IMAGE_METHODS, this::checkImage);
    }

    @TestFactory
    List<DynamicTest> imageTextMatchingMatchesEagerAndTheReference() {
        return everyCase("itm", ITM_METHODS, this::checkItm);
    }

    /** A check of one case folder, weight naming and method. */
    private interface Check {
        void run(Path dir, Path weights, String method, String id) throws Exception;
    }

    /** {@code check} on every case folder, weight naming and method of {@code methods}. */
    private static List<DynamicTest> everyCase(String graph, List<String> methods, Check check) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("blip")) {
            for (Path weights : Fixtures.weights(dir)) {
                for (String method : methods) {
                    String id = Fixtures.name(dir) + "/" + weights.getFileName() + "/" + graph + "/" + method;
                    tests.add(DynamicTest.dynamicTest(id, () -> check.run(dir, weights, method, id)));
                }
            }
        }
        return tests;
    }

    private void checkImage(Path dir, Path weights, String method, String id) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); BlipModel plain = BlipModel.load(weights, Device.cpu())) {
            Map<Site, TowerReduction> reductions = reductions(method, plain.config());
            TowerReduction vision = reductions.get(Site.VISION_BLOCKS);
            Path file = file(id);
            OnnxExport.Result written = BlipOnnxExport.exportImage(weights, vision, file);
            BlipModel eager = vision == null ? plain : plain.withReduction(Site.VISION_BLOCKS, vision);
            NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
            assertTrue(pixels.getShape().get(0) != OnnxExport.EXAMPLE_BATCH, "the test batch must differ from the traced one");
            Map<String, NDArray> all = null;
            for (NDArray batch : List.of(pixels, pixels.get("0:1"))) {
                String what = id + " batch " + batch.getShape().get(0);
                BlipModel.ImageFeatures e = eager.imageFeatures(batch);
                Map<String, NDArray> ort = OnnxRuntimeRun.run(file, Map.of("pixels", batch), m);
                assertClose(e.features(), ort.get("image_feat"), 1e-4, what + " image_feat vs eager");
                assertTokens(e.tokensPerLayer(), ort, what);
                assertEquals(Arrays.toString(e.tokensPerLayer()), Arrays.toString(written.tokensPerLayer()), what);
                all = all == null ? ort : all;
            }
            assertReducedOrReference(written.tokensPerLayer(), plain.config().visionTokens(), reductions, dir, m,
                    Map.of("image_feat",
                    all.get("image_feat")), id);
        }
    }

    private void checkItm(Path dir, Path weights, String method, String id) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); BlipModel plain = BlipModel.load(weights, Device.cpu())) {
            Map<Site, TowerReduction> reductions = reductions(method, plain.config());
            Path file = file(id);
            int length = BlipOnnxExport.ITM_TEXT_LENGTH;
            OnnxExport.Result written = BlipOnnxExport.exportItm(weights, reductions, length, file, Precision.FP32);
            BlipModel eager = plain;
            for (Map.Entry<Site, TowerReduction> e : reductions.entrySet()) {
                eager = eager.withReduction(e.getKey(), e.getValue());
            }
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            NDArray pixels = in.get("pixel_values");
            long[][] ids = padded(Fixtures.rows(in.get("input_ids")), length);
            long[][] mask = padded(Fixtures.rows(in.get("attention_mask")), length);
            assertTrue(pixels.getShape().get(0) != OnnxExport.EXAMPLE_BATCH, "the test batch must differ from the traced one");
            Map<String, NDArray> all = null;
            for (int b : new int[] {ids.length, 1}) {
                String what = id + " batch " + b;
                long[][] bi = Arrays.copyOf(ids, b);
                long[][] bm = Arrays.copyOf(mask, b);
                NDArray px = pixels.get("0:" + b);
                BlipModel.Matching e = eager.match(px, new TextBatch(bi, bm));
                Map<String, NDArray> feed = new LinkedHashMap<>();
                feed.put("pixels", px);
                feed.put("input_ids", m.create(bi));
                feed.put("attention_mask", m.create(bm));
                Map<String, NDArray> ort = OnnxRuntimeRun.run(file, feed, m);
                assertClose(e.scores(), ort.get("itm_scores"), 1e-4, what + " itm_scores vs eager");
                assertClose(e.logits(), ort.get("itm_logits"), 1e-4, what + " itm_logits vs eager");
                assertTokens(e.visionTokens(), ort, what);
                assertEquals(Arrays.toString(e.visionTokens()), Arrays.toString(written.tokensPerLayer()), what);
                all = all == null ? ort : all;
            }
            Map<String, NDArray> compared = new LinkedHashMap<>();
            compared.put("itm_score", all.get("itm_scores"));
            compared.put("itm_logits", all.get("itm_logits"));
            assertReducedOrReference(written.tokensPerLayer(), plain.config().visionTokens(), reductions, dir, m,
                    compared, id);
        }
    }

    /**
     * Unreduced: every block keeps every token and the outputs equal the fixture's (Hugging Face's) to
     * 1e-4, for each it holds (at least one). Reduced at the vision site: the last block keeps fewer
     * than the {@code input} tokens (a capped MADTP step's width counts as kept). Reduced elsewhere only: the vision counts stay whole and some output moves away from the
     * unreduced reference (the graph holds the reduction).
     */
    private static void assertReducedOrReference(int[] tokens, int input, Map<Site, TowerReduction> reductions,
            Path dir, NDManager m, Map<String, NDArray> outputs, String id) {
        boolean vision = reductions.containsKey(Site.VISION_BLOCKS);
        assertEquals(vision, tokens[tokens.length - 1] < input, id + " vision tokens " + Arrays.toString(tokens)
                + " of " + input);
        if (vision) {
            return;
        }
        Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
        double largest = 0;
        int compared = 0;
        for (Map.Entry<String, NDArray> o : outputs.entrySet()) {
            if (exp.containsKey(o.getKey())) {
                if (reductions.isEmpty()) {
                    assertClose(exp.get(o.getKey()), o.getValue(), 1e-4, id + " " + o.getKey() + " vs Hugging Face");
                }
                largest = Math.max(largest, exp.get(o.getKey()).sub(o.getValue()).abs().max().getFloat());
                compared++;
            }
        }
        assertTrue(compared > 0, id + ": expected.safetensors holds none of " + outputs.keySet());
        assertTrue(reductions.isEmpty() || largest > 1e-3, id + ": a reduction outside the vision tower moves the "
                + "outputs from the unreduced ones by " + largest);
    }

    /**
     * What the graphs cannot take fails before a file exists, saying why: MADTP's per-sample counts (either
     * graph), an int8 ITM graph, a text length outside the position table, a bf16 graph.
     */
    @TestFactory
    List<DynamicTest> inexpressibleRequestsAreRefusedBeforeWriting() {
        Path weights = Fixtures.weights(Fixtures.cases("blip").get(0)).get(0);
        TowerReduction madtp = TowerReduction.of(MadtpReducer.builder().build());
        TowerReduction crossget = TowerReduction.of(CrossGetReducer.builder().r(4).build());
        int length = BlipOnnxExport.ITM_TEXT_LENGTH;
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(ExportRefusals.refused(tmp, "madtp-image", UnsupportedOperationException.class, "per sample",
                f -> BlipOnnxExport.exportImage(weights, madtp, f)));
        tests.add(ExportRefusals.refused(tmp, "madtp-itm", UnsupportedOperationException.class, "per sample",
                f -> BlipOnnxExport.exportItm(weights, madtp, length, f, Precision.FP32)));
        tests.add(ExportRefusals.refused(tmp, "int8-itm", UnsupportedOperationException.class, "int8",
                f -> BlipOnnxExport.exportItm(weights, crossget, length, f, Precision.INT8)));
        tests.add(ExportRefusals.refused(tmp, "bf16-image", IllegalArgumentException.class, "bfloat16",
                f -> BlipOnnxExport.exportImage(weights, crossget, f, Precision.BF16)));
        tests.add(ExportRefusals.refused(tmp, "text-length-0", IllegalArgumentException.class, "textLength: 0 tokens",
                f -> BlipOnnxExport.exportItm(weights, crossget, 0, f, Precision.FP32)));
        tests.add(ExportRefusals.refused(tmp, "text-length-beyond-positions", IllegalArgumentException.class, "positions, expected 1 to",
                f -> BlipOnnxExport.exportItm(weights, crossget, 100_000, f, Precision.FP32)));
        return tests;
    }

    /** The image tower in int8: the eager token counts, outputs near the float32 eager ones but not equal. */
    @TestFactory
    List<DynamicTest> imageTowerInInt8KeepsTheCounts() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("blip")) {
            Path weights = Fixtures.weights(dir).get(0);
            tests.add(DynamicTest.dynamicTest(Fixtures.name(dir), () -> {
                try (NDManager m = NDManager.newBaseManager(); BlipModel plain = BlipModel.load(weights, Device.cpu())) {
                    TowerReduction vision = reductions("crossget", plain.config()).get(Site.VISION_BLOCKS);
                    Path file = file(Fixtures.name(dir) + "-int8");
                    OnnxExport.Result r = BlipOnnxExport.exportImage(weights, vision, file, Precision.INT8);
                    NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
                    BlipModel.ImageFeatures e = plain.withReduction(Site.VISION_BLOCKS, vision).imageFeatures(pixels);
                    Map<String, NDArray> ort = OnnxRuntimeRun.run(file, Map.of("pixels", pixels), m);
                    assertTokens(e.tokensPerLayer(), ort, "int8");
                    NDArray a = ort.get("image_feat");
                    NDArray b = e.features();
                    NDArray cos = a.mul(b).sum(new int[] {1}).div(a.norm(new int[] {1}).mul(b.norm(new int[] {1})));
                    assertTrue(cos.min().getFloat() >= OnnxExport.INT8_MIN_COSINE, "cosine " + cos);
                    assertTrue(a.sub(b).abs().max().getFloat() > 1e-6, "int8 products change the values");
                    assertTrue(r.maxDifference() > 0);
                }
            }));
        }
        return tests;
    }

    /** The reductions a method name stands for, sized from the model's geometry. */
    private static Map<Site, TowerReduction> reductions(String method, BlipConfig c) {
        int rv = Math.max(1, c.visionTokens() / (2 * c.visionLayers()));
        int rt = BlipOnnxExport.ITM_TEXT_LENGTH / 2; // beyond the padding, which merges first
        return switch (method) {
            case "plain" -> Map.of();
            case "tome" -> Map.of(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(rv).build()));
            case "crossget" -> Map.of(Site.VISION_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(rv).build()));
            // the learned threshold at every block, its counts computed in the graph under a cap of half the patches
            case "madtp-capped" -> Map.of(Site.VISION_BLOCKS, TowerReduction.of(MadtpReducer.builder()
                    .keepCap((c.visionTokens() - 1) / 2).build()));
            case "text-tome" -> Map.of(Site.TEXT_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(rt).build()));
            case "vision-and-text-crossget" -> Map.of(Site.TEXT_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(rt).build()),
                    Site.VISION_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(rv).build()));
            case "fusion-pumer" -> Map.of(Site.FUSION, TowerReduction.of(PumerReducer.builder()
                    .layers(IntStream.range(0, c.textLayers()).toArray()).pruneRatio(0.3).mergeRatio(0.2)
                    .textMergeRatio(0.2).build()));
            default -> throw new IllegalArgumentException(method);
        };
    }

    /** Rows padded with zeros (id 0, mask 0) to {@code length}. */
    private static long[][] padded(long[][] rows, int length) {
        assertTrue(rows[0].length <= length, "fixture texts longer than " + length);
        return Arrays.stream(rows).map(r -> Arrays.copyOf(r, length)).toArray(long[][]::new);
    }

    private static void assertTokens(int[] eager, Map<String, NDArray> ort, String what) {
        assertEquals(Arrays.toString(eager), Arrays.toString(Arrays.stream(ort.get(OnnxExport.TOKENS_PER_LAYER)
                .toLongArray()).mapToInt(Math::toIntExact).toArray()), what + " tokens per layer");
    }

    private Path file(String id) {
        return tmp.resolve(id.replaceAll("[/:]", "_") + ".onnx");
    }
}
