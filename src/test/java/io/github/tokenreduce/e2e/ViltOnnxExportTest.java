package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.TieBreak;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.nn.KeyMasking;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;
import io.github.tokenreduce.djl.vilt.ViltBatch;
import io.github.tokenreduce.djl.vilt.ViltModel;
import io.github.tokenreduce.djl.vilt.ViltOnnxExport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ONNX export of ViLT with its reduction inside, on every case and weight naming of the {@code vilt}
 * and {@code vilt-pumer} fixture families: traced from the eager model on a batch of 2, run in ONNX
 * Runtime on the fixture's batch of 3 (ragged text, token types, a partly padded image) and on a batch
 * of 1. Each keeps the eager path's token count after every block and its outputs to 1e-4, and equals
 * the fixture's: Hugging Face's unreduced outputs (texts padded to ViLT's 40 tokens), and the PuMer
 * authors' for every PuMer case of {@code fixture.json} (at the fixture's text length, which PuMer's
 * counts depend on) to 1e-4 with their token counts. ToMe and PuMer with its defaults (Hugging Face's
 * masking) are checked against the eager path. What the graph cannot take is refused before a file is written.
 */
class ViltOnnxExportTest {

    @TempDir
    Path tmp;

    /** Hugging Face's ViLT, unreduced: texts padded to 40 tokens; ToMe and PuMer's defaults at the fixture's length. */
    @TestFactory
    List<DynamicTest> huggingFaceViltMatchesEagerAndTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vilt")) {
            for (Path weights : Fixtures.weights(dir)) {
                String at = Fixtures.name(dir) + "/" + weights.getFileName() + "/";
                tests.add(DynamicTest.dynamicTest(at + "plain", () -> {
                    try (Case c = new Case(dir, weights, at + "plain", null, KeyMasking.ALWAYS, ViltOnnxExport.TEXT_LENGTH)) {
                        Map<String, NDArray> ort = c.run(tmp);
                        int t = c.fixtureTextLength;
                        for (String name : List.of("qa_logits", "rank_score", "pooler_output")) {
                            assertClose(c.expected.get(name), ort.get(name), 1e-4, c.id + " " + name + " vs Hugging Face");
                        }
                        // the graph's text is padded to 40: its real rows, then the image's
                        NDArray last = ort.get("last_hidden_state");
                        NDArray exp = c.expected.get("last_hidden_state");
                        assertClose(exp.get(":, :" + t), last.get(":, :" + t), 1e-4, c.id + " text last_hidden_state");
                        assertClose(exp.get(":, " + t + ":"), last.get(":, " + ViltOnnxExport.TEXT_LENGTH + ":"), 1e-4,
                                c.id + " image last_hidden_state");
                    }
                }));
                for (String method : List.of("tome", "pumer-defaults")) {
                    tests.add(DynamicTest.dynamicTest(at + method, () -> reducedAgainstEager(dir, weights, at, method)));
                }
            }
        }
        return tests;
    }

    /**
     * ToMe (r = 3), or PuMer with its defaults (text votes from real text only, the image [CLS] kept,
     * image padding merging with padding) at every layer, with Hugging Face's masking at the fixture's
     * text length: the eager path's counts and outputs, fewer tokens than it started with, and logits
     * away from the unreduced ones.
     */
    private void reducedAgainstEager(Path dir, Path weights, String at, String method) throws Exception {
        int layers;
        try (ViltModel v = ViltModel.load(weights, Device.cpu())) {
            layers = v.config().layers();
        }
        TowerReduction r = TowerReduction.of(method.equals("tome") ? ToMeReducer.builder().r(3).build()
                : PumerReducer.builder().layers(java.util.stream.IntStream.range(0, layers).toArray()).build());
        try (Case c = new Case(dir, weights, at + method, r, KeyMasking.ALWAYS, -1)) {
            Map<String, NDArray> ort = c.run(tmp);
            int[] tokens = c.written.tokensPerLayer();
            assertTrue(tokens[tokens.length - 1] < c.expected.get("co_mask").getShape().get(1),
                    c.id + " reduces: " + Arrays.toString(tokens));
            assertTrue(c.expected.get("qa_logits").sub(ort.get("qa_logits")).abs().max().getFloat() > 1e-3,
                    c.id + ": the reduction moves the logits from the unreduced ones");
        }
    }

    /** The PuMer authors' ViLT: every case of every folder's {@code fixture.json}, and the unreduced pass. */
    @TestFactory
    List<DynamicTest> pumerMatchesEagerAndTheAuthors() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vilt-pumer")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            for (Path weights : Fixtures.weights(dir)) {
                String at = Fixtures.name(dir) + "/" + weights.getFileName() + "/";
                tests.add(DynamicTest.dynamicTest(at + "unreduced", () -> {
                    try (Case c = new Case(dir, weights, at + "unreduced", null, KeyMasking.PUMER_SOFTMAX, -1)) {
                        Map<String, NDArray> ort = c.run(tmp);
                        assertClose(c.expected.get("unreduced_qa_logits"), ort.get("qa_logits"), 1e-4,
                                c.id + " qa_logits vs the authors");
                    }
                }));
                for (Map.Entry<String, JsonElement> e : fixture.getAsJsonObject("cases").entrySet()) {
                    String name = e.getKey();
                    JsonObject spec = e.getValue().getAsJsonObject();
                    tests.add(DynamicTest.dynamicTest(at + name, () -> {
                        try (Case c = new Case(dir, weights, at + name, TowerReduction.of(ViltPumerFixtureTest.pumer(
                                spec.getAsJsonObject("spec"))),
                                KeyMasking.PUMER_SOFTMAX, -1)) {
                            Map<String, NDArray> ort = c.run(tmp);
                            JsonArray perLayer = spec.getAsJsonArray("per_layer");
                            for (JsonElement l : perLayer) {
                                JsonObject o = l.getAsJsonObject();
                                assertEquals(o.get("tokens_out").getAsInt(), c.written.tokensPerLayer()[o.get("layer").getAsInt()],
                                        c.id + " tokens after layer " + o.get("layer") + " vs the authors");
                            }
                            for (String out : List.of("qa_logits", "rank_score", "pooler_output", "last_hidden_state")) {
                                assertClose(c.expected.get(name + "." + out), ort.get(out), 1e-4, c.id + " " + out + " vs the authors");
                            }
                        }
                    }));
                }
            }
        }
        return tests;
    }

    /**
     * One export of a fixture case: {@link #run} writes it, runs ONNX Runtime on the fixture's batch and
     * its first pair (texts padded to the export's length) and asserts the eager tokens per layer and
     * outputs to 1e-4; it returns the graph's outputs on the whole batch.
     */
    private static final class Case implements AutoCloseable {
        final Path weights;
        final String id;
        final TowerReduction reduction;
        final KeyMasking masking;
        final int textLength;
        final int fixtureTextLength;
        final NDManager m = NDManager.newBaseManager();
        final Map<String, NDArray> inputs;
        final Map<String, NDArray> expected;
        OnnxExport.Result written;

        Case(Path dir, Path weights, String id, TowerReduction reduction, KeyMasking masking, int textLength) {
            this.weights = weights;
            this.id = id;
            this.reduction = reduction;
            this.masking = masking;
            this.inputs = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            this.expected = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            this.fixtureTextLength = (int) inputs.get("input_ids").getShape().get(1);
            this.textLength = textLength < 0 ? fixtureTextLength : textLength;
        }

        Map<String, NDArray> run(Path tmp) throws Exception {
            try (ViltModel plain = ViltModel.load(weights, Device.cpu())) {
                NDArray pixels = inputs.get("pixel_values");
                Path file = tmp.resolve(id.replaceAll("[/:]", "_") + ".onnx");
                written = ViltOnnxExport.export(weights, reduction, masking, (int) pixels.getShape().get(2),
                        (int) pixels.getShape().get(3), textLength, file);
                ViltModel eager = plain.withMasking(masking);
                eager = reduction == null ? eager : eager.withReduction(Site.FUSION, reduction);
                long[][] ids = padded(Fixtures.rows(inputs.get("input_ids")));
                long[][] mask = padded(Fixtures.rows(inputs.get("attention_mask")));
                long[][] types = padded(Fixtures.rows(inputs.get("token_type_ids")));
                Map<String, NDArray> all = null;
                for (int b : new int[] {ids.length, 1}) {
                    String what = id + " batch " + b;
                    NDArray px = pixels.get("0:" + b);
                    NDArray pm = inputs.get("pixel_mask").get("0:" + b);
                    long[][] bi = Arrays.copyOf(ids, b);
                    long[][] bm = Arrays.copyOf(mask, b);
                    long[][] bt = Arrays.copyOf(types, b);
                    ViltBatch batch = new ViltBatch(new TextBatch(bi, bm, bt), px, pm);
                    ViltModel.Output e = eager.encode(batch);
                    Map<String, NDArray> feed = new LinkedHashMap<>();
                    feed.put("pixels", px);
                    feed.put("pixel_mask", pm);
                    feed.put("input_ids", m.create(bi));
                    feed.put("attention_mask", m.create(bm));
                    feed.put("token_type_ids", m.create(bt));
                    Map<String, NDArray> ort = OnnxRuntimeRun.run(file, feed, m);
                    assertEquals(Arrays.toString(e.tokensPerLayer()), Arrays.toString(Arrays.stream(
                            ort.get(OnnxExport.TOKENS_PER_LAYER).toLongArray()).mapToInt(Math::toIntExact).toArray()),
                            what + " tokens per layer");
                    assertEquals(Arrays.toString(e.tokensPerLayer()), Arrays.toString(written.tokensPerLayer()), what);
                    assertClose(e.pooler(), ort.get("pooler_output"), 1e-4, what + " pooler_output vs eager");
                    assertClose(e.lastHidden(), ort.get("last_hidden_state"), 1e-4, what + " last_hidden_state vs eager");
                    assertClose(eager.vqaLogits(batch), ort.get("qa_logits"), 1e-4, what + " qa_logits vs eager");
                    assertClose(eager.rankScores(batch), ort.get("rank_score"), 1e-4, what + " rank_score vs eager");
                    all = all == null ? ort : all;
                }
                return all;
            }
        }

        @Override
        public void close() {
            m.close();
        }

        /** Rows padded with zeros (id 0, mask 0, type 0) to the export's text length. */
        private long[][] padded(long[][] rows) {
            assertTrue(rows[0].length <= textLength, "fixture texts longer than " + textLength);
            return Arrays.stream(rows).map(r -> Arrays.copyOf(r, textLength)).toArray(long[][]::new);
        }
    }

    /**
     * What the graph cannot take fails before a file exists, saying why: MADTP (its counts are decided per
     * sample from the data), an order computed on the host, a text length outside the position table.
     */
    @TestFactory
    List<DynamicTest> inexpressibleRequestsAreRefusedBeforeWriting() {
        Path dir = Fixtures.cases("vilt").get(0);
        Path weights = Fixtures.weights(dir).get(0);
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(ExportRefusals.refused(tmp, "madtp", UnsupportedOperationException.class, "per sample", f -> {
            try (NDManager m = NDManager.newBaseManager(); ViltModel vilt = ViltModel.load(weights, Device.cpu())) {
                NDArray dictionary = m.randomNormal(new ai.djl.ndarray.types.Shape(8, vilt.config().width()));
                return ViltOnnxExport.export(weights, TowerReduction.of(MadtpReducer.builder().dictionary(dictionary)
                        .build()), KeyMasking.ALWAYS, 96, 128, 11, f);
            }
        }));
        TowerReduction hostOrder = TowerReduction.of(ToMeReducer.builder().r(3).tieBreak(TieBreak.PYTORCH_CPU).build());
        tests.add(ExportRefusals.refused(tmp, "host-order", UnsupportedOperationException.class, "StableOrder.hostRanks",
                f -> ViltOnnxExport.export(weights, hostOrder, KeyMasking.ALWAYS, 96, 128, 11, f)));
        tests.add(ExportRefusals.refused(tmp, "text-length-beyond-positions", IllegalArgumentException.class, "text positions, expected 1 to",
                f -> ViltOnnxExport.export(weights, null, KeyMasking.ALWAYS, 96, 128, 41, f)));
        tests.add(ExportRefusals.refused(tmp, "masking-when-reduced", IllegalArgumentException.class, "masking",
                f -> ViltOnnxExport.export(weights, null, KeyMasking.WHEN_REDUCED, 96, 128, 11, f)));
        return tests;
    }
}
