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
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TieBreak;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipOnnxExport;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.site.Site;
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
import java.util.function.Function;

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
     * Every case of every {@code clip-crossget} {@code fixture.json}, each tower: CrossGET with the
     * case's rv (image) or rl (text, run as the authors run it: {@link ClipModel.TextPadding#AUTHORS})
     * and the checkpoint's learned cross-token offsets, or unreduced for {@code reduce: none}; the stable
     * tie order (PyTorch's CPU order is emulated on the host and cannot be a graph). Against the eager
     * path and the authors' {@code _stablesort} embeddings (or the only ones, for a case that does not reduce).
     */
    @TestFactory
    List<DynamicTest> crossGetCasesMatchEagerAndTheAuthors() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ClipCrossGetCase c : ClipCrossGetCase.all()) {
            for (Site tower : List.of(Site.VISION_BLOCKS, Site.TEXT_BLOCKS)) {
                String id = Fixtures.name(c.dir()) + "/" + c.weights().getFileName() + "/" + c.name() + "/" + tower;
                tests.add(DynamicTest.dynamicTest(id, () -> checkCrossGetCase(c, tower, id)));
            }
        }
        return tests;
    }

    private void checkCrossGetCase(ClipCrossGetCase c, Site tower, String id) throws Exception {
        String name = c.name();
        Path weights = c.weights();
        boolean image = tower == Site.VISION_BLOCKS;
        TowerReduction crossget = c.reduces() ? TowerReduction.of(CrossGetReducer.builder()
                .r(c.spec().get(image ? "rv" : "rl").getAsInt()).tieBreak(TieBreak.INDEX).build()) : null;
        try (NDManager m = NDManager.newBaseManager(); ClipModel plain = ClipModel.load(weights, Device.cpu())) {
            assertTrue(!c.reduces() || plain.crossOffsets(tower).isPresent(), "the checkpoint's cross-token offsets");
            Map<String, NDArray> in = Fixtures.tensors(c.dir().resolve("inputs.safetensors"), m);
            Map<String, NDArray> exp = Fixtures.tensors(c.dir().resolve("expected.safetensors"), m);
            Path file = tmp.resolve(id.replaceAll("[/:]", "_") + ".onnx");
            ClipModel clip = plain.withTextPadding(ClipModel.TextPadding.AUTHORS);
            ClipModel eager = crossget == null ? clip : clip.withReduction(tower, crossget);
            String prefix = image ? "image_embeds_" : "text_embeds_";
            String tokens = (image ? "vision_tokens_" : "text_tokens_") + name;
            OnnxExport.Result written = image ? ClipOnnxExport.exportImage(weights, crossget, file)
                    : ClipOnnxExport.exportText(weights, crossget, ClipModel.TextPadding.AUTHORS, file);
            assertCounts(exp.get(tokens), written.tokensPerLayer(), id + " tokens traced");
            Map<String, NDArray> ort = image ? assertImageGraphMatchesEager(file, eager, in.get("pixel_values"), m, id)
                    : assertTextGraphMatchesEager(file, eager, in.get("input_ids"), m, id);
            String key = exp.containsKey(prefix + name + "_stablesort") ? prefix + name + "_stablesort" : prefix + name;
            assertClose(exp.get(key), ort.get(image ? "image_embeds" : "text_embeds"), 1e-4,
                    id + " vs the authors' " + key);
            assertCounts(exp.get(tokens), toInts(ort.get(OnnxExport.TOKENS_PER_LAYER)), id + " tokens vs the authors'");
        }
    }

    /**
     * Every {@code clip} case and weight naming, each tower: unreduced (against the original CLIP
     * code's embeddings), ToMe and CrossGET (a cross token without learned offsets; r = 16 on the image,
     * 6 on the text) and, on the image, ToMe with a keep ratio of 0.9, against the eager path. The text runs as the CrossGET authors run it and with
     * masked padding (the default), then also on texts that fill the whole context (no padding).
     */
    @TestFactory
    List<DynamicTest> clipCasesMatchEagerAndTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("clip")) {
            for (Path weights : Fixtures.weights(dir)) {
                for (String method : List.of("plain", "tome", "crossget", "tome-keep0.9")) {
                    for (Site tower : method.startsWith("tome-keep") ? List.of(Site.VISION_BLOCKS)
                            : List.of(Site.VISION_BLOCKS, Site.TEXT_BLOCKS)) {
                        for (ClipModel.TextPadding padding : tower == Site.VISION_BLOCKS || method.equals("plain")
                                ? List.of(ClipModel.TextPadding.AUTHORS) : List.of(ClipModel.TextPadding.values())) {
                            String id = Fixtures.name(dir) + "/" + weights.getFileName() + "/" + tower + "/" + method
                                    + (tower == Site.TEXT_BLOCKS && !method.equals("plain") ? "/" + padding : "");
                            tests.add(DynamicTest.dynamicTest(id,
                                    () -> checkClipCase(dir, weights, tower, method, padding, id)));
                        }
                    }
                }
            }
        }
        return tests;
    }

    private void checkClipCase(Path dir, Path weights, Site tower, String method, ClipModel.TextPadding padding,
            String id) throws Exception {
        boolean image = tower == Site.VISION_BLOCKS;
        int r = image ? 16 : 6;
        TowerReduction reduction = switch (method) {
            case "tome" -> TowerReduction.of(ToMeReducer.builder().r(r).build());
            case "crossget" -> TowerReduction.of(CrossGetReducer.builder().r(r).build());
            case "tome-keep0.9" -> TowerReduction.of(ToMeReducer.builder().schedule(Schedule.keepRatio(0.9)).build());
            default -> null;
        };
        try (NDManager m = NDManager.newBaseManager(); ClipModel plain = ClipModel.load(weights, Device.cpu())) {
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            Path file = tmp.resolve(id.replaceAll("[/:]", "_") + ".onnx");
            ClipModel clip = plain.withTextPadding(padding);
            OnnxExport.Result written = image ? ClipOnnxExport.exportImage(weights, reduction, file)
                    : ClipOnnxExport.exportText(weights, reduction, padding, file);
            int[] tokens = written.tokensPerLayer();
            assertEquals(image ? clip.config().visionLayers() : clip.config().textLayers(), tokens.length,
                    id + " one count per block");
            ClipModel eager = reduction == null ? clip : clip.withReduction(tower, reduction);
            Map<String, NDArray> ort = image ? assertImageGraphMatchesEager(file, eager, in.get("pixel_values"), m, id)
                    : assertTextGraphMatchesEager(file, eager, in.get("input_ids"), m, id);
            if (!image) {
                assertTextGraphMatchesEager(file, eager, fillingTheContext(in.get("input_ids"), m), m, id + " full");
            }
            if (reduction == null) {
                assertTrue(Arrays.stream(tokens).allMatch(n -> n == tokens[0]), id + " unreduced keeps every token");
                String key = image ? "image_embeds" : "text_embeds";
                assertClose(Fixtures.tensors(dir.resolve("expected.safetensors"), m).get(key), ort.get(key), 1e-4,
                        id + " " + key + " vs the original CLIP code");
            } else {
                assertTrue(tokens[tokens.length - 1] < tokens[0], id + " reduces: " + Arrays.toString(tokens));
            }
        }
    }

    /**
     * The texts of {@code ids} [B, context] lengthened to fill the whole context: the positions from
     * each end-of-text on get small ids and end-of-text (the row's largest id) moves to the last position.
     */
    private static NDArray fillingTheContext(NDArray ids, NDManager m) {
        long[][] rows = Fixtures.rows(ids);
        for (long[] row : rows) {
            int eot = 0;
            for (int j = 1; j < row.length; j++) {
                eot = row[j] > row[eot] ? j : eot;
            }
            long eotId = row[eot];
            for (int j = eot; j < row.length - 1; j++) {
                row[j] = 1 + j % 5;
            }
            row[row.length - 1] = eotId;
        }
        return m.create(rows);
    }

    /**
     * What the graph cannot express fails before a file exists, saying why: MADTP's per-sample counts,
     * on either tower, PuMer (it needs cross-attention, which CLIP lacks), PyTorch's CPU tie order (ranked
     * on the host), and a keep ratio on padded text (each text's removals follow its own length).
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
        List<DynamicTest> tests = new ArrayList<>();
        refused.forEach((name, c) -> tests.add(DynamicTest.dynamicTest(name, () -> assertRefused(tmp.resolve(
                name + ".onnx"), c[1], (String) c[2], f -> ClipOnnxExport.exportImage(weights, (TowerReduction) c[0], f)))));
        tests.add(DynamicTest.dynamicTest("madtp-text", () -> assertRefused(tmp.resolve("text-madtp.onnx"),
                UnsupportedOperationException.class, "per sample", f -> ClipOnnxExport.exportText(weights,
                        TowerReduction.of(MadtpReducer.builder().build()), ClipModel.TextPadding.AUTHORS, f))));
        tests.add(DynamicTest.dynamicTest("tome-keep-ratio-text", () -> assertRefused(
                tmp.resolve("text-keep-ratio.onnx"), UnsupportedOperationException.class, "per sample",
                f -> ClipOnnxExport.exportText(weights, TowerReduction.of(ToMeReducer.builder()
                        .schedule(Schedule.keepRatio(0.8)).build()), ClipModel.TextPadding.MASKED, f))));
        return tests;
    }

    /** A function that writes an export to a file. */
    private interface Export {
        OnnxExport.Result to(Path file) throws Exception;
    }

    private static void assertRefused(Path file, Object type, String reason, Export export) {
        @SuppressWarnings("unchecked")
        Class<? extends RuntimeException> expected = (Class<? extends RuntimeException>) type;
        RuntimeException x = assertThrows(expected, () -> export.to(file));
        assertTrue(x.getMessage().contains(reason), x.getMessage());
        assertFalse(Files.exists(file), "no file is written for a refused method");
    }

    /**
     * ONNX Runtime on {@code file} for {@code input} (fed as {@code inputName}) and for its first row
     * equals {@code eager}: the embeddings ({@code outputName}) to 1e-4, the same token count after every
     * block. Returns the outputs for all of {@code input}.
     */
    private static Map<String, NDArray> assertGraphMatchesEager(Path file, String inputName, String outputName,
            NDArray input, Function<NDArray, ClipModel.Encoded> eager, NDManager m, String name) {
        assertTrue(input.getShape().get(0) != OnnxExport.EXAMPLE_BATCH, "the test batch must differ from the traced one");
        Map<String, NDArray> all = null;
        for (NDArray batch : List.of(input, input.get("0:1"))) {
            String what = name + " batch " + batch.getShape().get(0);
            ClipModel.Encoded e = eager.apply(batch);
            Map<String, NDArray> ort = OnnxRuntimeRun.run(file, inputName, batch, m);
            assertClose(e.embeddings(), ort.get(outputName), 1e-4, what + " " + outputName + " vs eager");
            assertEquals(Arrays.toString(e.tokensPerLayer()),
                    Arrays.toString(toInts(ort.get(OnnxExport.TOKENS_PER_LAYER))), what + " tokens per layer");
            all = all == null ? ort : all;
        }
        return all;
    }

    private static Map<String, NDArray> assertImageGraphMatchesEager(Path file, ClipModel eager, NDArray pixels,
            NDManager m, String name) {
        return assertGraphMatchesEager(file, "pixels", "image_embeds", pixels, eager::encodeImage, m, name);
    }

    private static Map<String, NDArray> assertTextGraphMatchesEager(Path file, ClipModel eager, NDArray ids,
            NDManager m, String name) {
        return assertGraphMatchesEager(file, "input_ids", "text_embeds", ids,
                batch -> eager.encodeText(m, Fixtures.rows(batch)), m, name);
    }

    private static int[] toInts(NDArray counts) {
        return Arrays.stream(counts.toLongArray()).mapToInt(Math::toIntExact).toArray();
    }
}
