package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.cli.TokenReduceCli;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.defaults.Defaults;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitModel;
import io.github.tokenreduce.djl.export.OnnxExport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code tokenreduce export} on {@code shared/fixtures/vit-tome}: for every case folder and every case
 * of its {@code fixture.json}, the command writes a graph that keeps the ToMe authors' token count
 * after every block and gives their logits to 1e-4 on the fixture's images (a batch the trace did not
 * see); CrossGET, MADTP (a fixed count) and a keep ratio give the eager model's results; and a model,
 * method or schedule the graph cannot express fails naming what was asked, seen and supported, with
 * no file (nor folder) left behind.
 */
class CliExportTest {

    @TempDir
    Path tmp;

    /** Exit code, stdout and stderr of one command. */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = TokenReduceCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** The case's Hugging Face weights: the naming with a config.json, which the command reads geometry from. */
    private static Path hf(Path caseDir) {
        return Fixtures.weights(caseDir).stream().filter(w -> Files.isRegularFile(w.resolve("config.json")))
                .findFirst().orElseThrow(() -> new AssertionError("no weights with config.json in " + caseDir));
    }

    @TestFactory
    List<DynamicTest> everyCaseExportsTheAuthorsReduction() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vit-tome")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            for (JsonElement e : fixture.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                String name = c.get("name").getAsString();
                tests.add(DynamicTest.dynamicTest(Fixtures.name(dir) + "/" + name, () -> {
                    JsonObject spec = new JsonObject();
                    spec.addProperty("method", "tome");
                    JsonObject schedule = new JsonObject();
                    schedule.addProperty("type", "perLayer");
                    schedule.add("r", c.get("r_per_layer"));
                    spec.add("schedule", schedule);
                    spec.addProperty("proportionalAttention", c.get("prop_attn").getAsBoolean());
                    Path specFile = Files.writeString(tmp.resolve(name + ".json"), spec.toString());
                    checkAuthors(dir, name, c, "--spec", specFile.toString());
                    if (c.get("r").isJsonPrimitive() && c.get("prop_attn").getAsBoolean()) { // --method, --level
                        checkAuthors(dir, name, c, "--method", "tome", "--level", c.get("r").getAsString());
                    }
                }));
            }
        }
        return tests;
    }

    /** Exports the case's model with {@code reduction} and checks the file against the authors' tokens and logits. */
    private void checkAuthors(Path dir, String name, JsonObject c, String... reduction) throws IOException {
        Path file = tmp.resolve("out").resolve(name + ".onnx");
        Run r = export(hf(dir), file, reduction);
        List<Integer> tokens = new ArrayList<>();
        c.getAsJsonArray("tokens_after_block").forEach(t -> tokens.add(t.getAsInt()));
        assertTrue(r.out().contains("tokens per layer: " + tokens), r.out());
        assertTrue(r.out().contains(file.toAbsolutePath().toString())
                && r.out().contains("(" + String.format(java.util.Locale.ROOT, "%.1f MB, %d bytes", Files.size(file) / 1e6,
                        Files.size(file)) + ")"), r.out());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
            Map<String, NDArray> exp = Fixtures.tensors(dir.resolve("expected.safetensors"), m);
            Map<String, NDArray> ort = OnnxRuntimeRun.run(file, "pixels", pixels, m);
            assertEquals(tokens.toString(), Arrays.toString(ort.get("tokens_per_layer").toLongArray()),
                    name + " tokens per layer in ONNX Runtime");
            assertClose(exp.get("logits_" + name), ort.get("logits"), 1e-4, name + " logits vs the authors' code");
        }
    }

    @TestFactory
    List<DynamicTest> otherMethodsExportWhatTheEagerModelComputes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vit-tome")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            int r = fixture.getAsJsonArray("cases").asList().stream().map(JsonElement::getAsJsonObject)
                    .filter(c -> c.get("r").isJsonPrimitive() && c.get("r").getAsInt() > 0).findFirst()
                    .orElseThrow().get("r").getAsInt();
            for (String method : List.of("crossget", "madtp")) {
                tests.add(DynamicTest.dynamicTest(Fixtures.name(dir) + "/" + method + " r=" + r, () -> checkEager(dir,
                        Defaults.visionSpec(method, (double) r, true), "--method", method, "--level", Integer.toString(r))));
            }
            // MADTP's learned threshold at every block, its counts computed in the graph under a keep cap
            tests.add(DynamicTest.dynamicTest(Fixtures.name(dir) + "/madtp learned threshold, capped", () -> {
                int cap;
                try (VitModel vit = VitModel.load(hf(dir), Device.cpu())) {
                    cap = (vit.config().tokens() - 1) / 2;
                }
                ReducerSpec spec = new ReducerSpec("madtp", io.github.tokenreduce.core.Schedule.dynamic(), false, 1f, cap);
                Path file = Files.writeString(tmp.resolve("madtp-capped.json"), spec.toJson().toString());
                checkEager(dir, spec, "--spec", file.toString());
            }));
            tests.add(DynamicTest.dynamicTest(Fixtures.name(dir) + "/tome keep 0.9", () -> {
                String json = "{\"method\":\"tome\",\"schedule\":{\"type\":\"keepRatio\",\"keep\":0.9},"
                        + "\"proportionalAttention\":true}";
                Path spec = Files.writeString(tmp.resolve("keep.json"), json);
                checkEager(dir, ReducerSpec.fromJson(json), "--spec", spec.toString());
            }));
        }
        return tests;
    }

    /** Exports with {@code reduction} and checks the file against the eager model reduced by {@code spec}. */
    private void checkEager(Path dir, ReducerSpec spec, String... reduction) throws IOException {
        Path file = tmp.resolve(spec.method() + ".onnx");
        export(hf(dir), file, reduction);
        try (NDManager m = NDManager.newBaseManager();
                VitModel vit = VitModel.load(hf(dir), Device.cpu())) {
            NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
            VitModel.Classification e = vit.withReduction(Site.VISION_BLOCKS, TowerReduction.of(spec.reducer()))
                    .classify(pixels);
            assertTrue(e.tokensPerLayer()[e.tokensPerLayer().length - 1] < vit.config().tokens(), "reduces");
            Map<String, NDArray> ort = OnnxRuntimeRun.run(file, "pixels", pixels, m);
            assertEquals(Arrays.toString(Arrays.stream(e.tokensPerLayer()).asLongStream().toArray()),
                    Arrays.toString(ort.get("tokens_per_layer").toLongArray()), spec + " tokens per layer");
            assertClose(e.logits(), ort.get("logits"), 1e-4, spec + " logits vs eager");
            assertClose(e.features(), ort.get("features"), 1e-4, spec + " features vs eager");
        }
    }

    private static Run export(Path model, Path file, String... reduction) {
        List<String> args = new ArrayList<>(List.of("export", model.toString(), "-o", file.toString()));
        args.addAll(List.of(reduction));
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), String.join(" ", args) + " failed: " + r.err());
        assertTrue(Files.isRegularFile(file), file + " written");
        return r;
    }

    /**
     * {@code bench --engines pytorch,onnxruntime --precisions fp32,int8} on a ViT times each float32 and
     * int8 configuration also as its exported graph in ONNX Runtime, in the same run: the graph keeps the
     * eager tokens (the authors' for ToMe) and gives the eager float32 features (float32: within 1e-4;
     * int8: within the export's cosine, not equal), and results.json says which engine and precision ran
     * each row.
     */
    @TestFactory
    List<DynamicTest> benchRunsTheExportedGraphBesideTheEagerModel() {
        return Fixtures.cases("vit-tome").stream().map(dir -> DynamicTest.dynamicTest(Fixtures.name(dir), () -> {
            JsonObject tome = Fixtures.json(dir.resolve("fixture.json")).getAsJsonArray("cases").asList().stream()
                    .map(JsonElement::getAsJsonObject).filter(c -> c.get("r").isJsonPrimitive()
                            && c.get("r").getAsInt() > 0 && c.get("prop_attn").getAsBoolean()).findFirst().orElseThrow();
            String r = tome.get("r").getAsString();
            Map<String, JsonObject> byKey = benchBothEngines(hf(dir), r, "bench");
            assertEquals(List.of("pytorch none", "pytorch tome", "pytorch crossget", "pytorch int8 none",
                    "pytorch int8 tome", "pytorch int8 crossget", "onnxruntime none", "onnxruntime tome",
                    "onnxruntime crossget", "onnxruntime int8 none", "onnxruntime int8 tome",
                    "onnxruntime int8 crossget"), List.copyOf(byKey.keySet()));
            for (String method : List.of("none", "tome", "crossget")) {
                JsonObject eager = byKey.get("pytorch " + method);
                for (String engine : List.of("onnxruntime", "onnxruntime int8")) {
                    JsonObject ort = byKey.get(engine + " " + method);
                    assertEquals(eager.get("tokens_per_layer"), ort.get("tokens_per_layer"), engine + " " + method);
                    assertEquals(eager.get("flops_ideal").getAsDouble(), ort.get("flops_ideal").getAsDouble(), 1e-12);
                    assertEquals(eager.get("level"), ort.get("level"), method);
                    assertTrue(ort.get("median_s").getAsDouble() > 0, ort.toString());
                }
                JsonObject ort = byKey.get("onnxruntime " + method);
                assertTrue(ort.get("same_tokens_as_fp32").getAsBoolean()
                        && ort.get("max_abs_error_vs_fp32").getAsDouble() < 1e-4, ort.toString());
                JsonObject int8 = byKey.get("onnxruntime int8 " + method);
                assertEquals("int8", int8.get("precision").getAsString());
                assertTrue(int8.get("cosine_vs_fp32").getAsDouble() >= OnnxExport.INT8_MIN_COSINE
                        && int8.get("max_abs_error_vs_fp32").getAsDouble() > 1e-6, int8.toString());
            }
            assertEquals(tome.get("tokens_after_block"), byKey.get("onnxruntime tome").get("tokens_per_layer"),
                    "the authors' token counts");
            assertTrue(Files.readString(tmp.resolve("bench").resolve("report.md")).contains("| onnxruntime tome r=" + r + " |"));
        })).toList();
    }

    /**
     * {@code bench --engines pytorch,onnxruntime} on BLIP times each float32 ITM configuration also as its
     * exported ITM graph (pixels, ids and mask in, the workload's captions) in ONNX Runtime: the graph keeps the
     * eager vision token counts and FLOPs; int8 ITM graphs are refused (a line on stderr) and get no row.
     */
    @TestFactory
    List<DynamicTest> benchRunsBlipItmGraphsBesideTheEagerModel() {
        return Fixtures.cases("blip").stream().map(dir -> DynamicTest.dynamicTest(Fixtures.name(dir), () -> {
            Map<String, JsonObject> byKey = benchBothEngines(dir.resolve("hf"), "2", "bench-blip");
            assertEquals(List.of("pytorch none", "pytorch tome", "pytorch crossget", "pytorch int8 none",
                    "pytorch int8 tome", "pytorch int8 crossget", "onnxruntime none", "onnxruntime tome",
                    "onnxruntime crossget"), List.copyOf(byKey.keySet()));
            for (String method : List.of("none", "tome", "crossget")) {
                JsonObject eager = byKey.get("pytorch " + method);
                JsonObject ort = byKey.get("onnxruntime " + method);
                assertEquals(eager.get("tokens_per_layer"), ort.get("tokens_per_layer"), method);
                assertEquals(eager.get("flops_ideal").getAsDouble(), ort.get("flops_ideal").getAsDouble(), 1e-12);
                assertTrue(ort.get("median_s").getAsDouble() > 0, ort.toString());
            }
        })).toList();
    }

    /**
     * {@code bench --engines pytorch,onnxruntime} on a sentence encoder times each fp32 configuration also as its
     * exported graph over length buckets: unreduced it embeds as the eager model (cosine 1 to the same rows),
     * CrossGET's graph reduces (fewer FLOPs than the unreduced graph); MADTP, whose counts are per text, runs
     * eagerly but gets no graph row (a line on stderr says why).
     */
    @Test
    void benchRunsSentenceEncoderGraphsBesideTheEagerModel() throws IOException {
        Path out = tmp.resolve("bench-text");
        Run run = run("bench", "all-minilm-l6-v2", "--engines", "pytorch,onnxruntime", "--methods", "crossget,madtp",
                "--levels", "0.8", "--docs", "4", "--rounds", "1", "--warmup", "0", "--precisions", "fp32", "-q",
                "--data", Fixtures.shared().resolve("data").toString(), "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        Map<String, JsonObject> byKey = configurations(out);
        assertTrue(byKey.containsKey("pytorch madtp"), "MADTP still runs eagerly: " + byKey.keySet());
        assertTrue(byKey.containsKey("onnxruntime none") && byKey.containsKey("onnxruntime crossget")
                && !byKey.containsKey("onnxruntime madtp"), byKey.keySet().toString());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| onnxruntime unreduced |") && report.contains("| onnxruntime crossget keep 0.8 |"),
                report);
        assertTrue(report.lines().anyMatch(l -> l.startsWith("| onnxruntime unreduced |") && l.contains("| 1.00000 /")),
                "the unreduced graph embeds as the eager model: " + report);
        assertTrue(byKey.get("onnxruntime crossget").get("flops_ideal").getAsDouble()
                > byKey.get("onnxruntime none").get("flops_ideal").getAsDouble(), byKey.toString());
    }

    /**
     * {@code bench} on {@code model} with both engines, ToMe and CrossGET at {@code level}, fp32 and int8, into
     * {@code folder}: results.json's configurations by "engine [precision] method".
     */
    private Map<String, JsonObject> benchBothEngines(Path model, String level, String folder) throws IOException {
        Path out = tmp.resolve(folder);
        Run run = run("bench", model.toString(), "--engines", "pytorch,onnxruntime", "--methods", "tome,crossget",
                "--levels", level, "--batch", "2", "--rounds", "1", "--warmup", "0", "--precisions", "fp32,int8", "-q",
                "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        return configurations(out);
    }

    /**
     * The configurations of the results.json in {@code out} by "engine [precision] method" (precision left out
     * for fp32), the peer (a reference runtime, no token counts) left out.
     */
    private static Map<String, JsonObject> configurations(Path out) throws IOException {
        JsonObject json = com.google.gson.JsonParser.parseString(Files.readString(out.resolve("results.json")))
                .getAsJsonObject();
        Map<String, JsonObject> byKey = new java.util.LinkedHashMap<>();
        for (JsonElement e : json.getAsJsonArray("configurations")) {
            JsonObject o = e.getAsJsonObject();
            if (o.getAsJsonArray("tokens_per_layer").isEmpty()) {
                continue; // the peer
            }
            String precision = o.get("precision").getAsString();
            byKey.put(o.get("engine").getAsString() + (precision.equals("fp32") ? "" : " " + precision) + " "
                    + o.get("method").getAsString(), o);
        }
        return byKey;
    }

    @TestFactory
    List<DynamicTest> whatTheGraphCannotExpressIsRefusedBeforeAnyFileIsWritten() throws IOException {
        Path dir = Fixtures.cases("vit-tome").get(0);
        int depth = Fixtures.json(dir.resolve("fixture.json")).getAsJsonObject("geometry").get("depth").getAsInt();
        String vit = hf(dir).toString();
        String deeper = "{\"method\":\"tome\",\"schedule\":{\"type\":\"perLayer\",\"r\":["
                + String.join(",", java.util.Collections.nCopies(depth + 1, "2")) + "]}}";
        String late = "{\"method\":\"tome\",\"schedule\":{\"type\":\"keepRatio\",\"keep\":0.9,\"fromLayer\":" + depth + "}}";
        Path folder = Files.createDirectories(tmp.resolve("folder.onnx"));
        List<String[]> cases = List.of(
                new String[] {"madtp-threshold", "{\"method\":\"madtp\",\"schedule\":{\"type\":\"dynamic\"}}",
                    "\"method\":\"madtp\"", "\"type\":\"dynamic\"", "per sample", "supports tome, crossget and madtp",
                    "keepCap in --spec"},
                new String[] {"pumer", "{\"method\":\"pumer\",\"schedule\":{\"type\":\"dynamic\",\"layers\":[1]}}",
                    "\"method\":\"pumer\"", "PuMer", "supports tome, crossget and madtp"},
                new String[] {"deeper-schedule", deeper, "r for " + (depth + 1) + " layers but the model has " + depth
                    + " blocks", "at most " + depth},
                new String[] {"keep-from-beyond", late, "starts at layer " + depth, "model has " + depth + " blocks"});
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] c : cases) {
            tests.add(DynamicTest.dynamicTest(c[0], () -> {
                Path spec = Files.writeString(tmp.resolve(c[0] + ".json"), c[1]);
                assertRefused(new String[] {vit, "--spec", spec.toString()}, Arrays.copyOfRange(c, 2, c.length));
            }));
        }
        Path vilt = Fixtures.cases("vilt").get(0);
        String viltDir = vilt.resolve("hf").toString();
        tests.add(DynamicTest.dynamicTest("vilt", () -> {
            try (NDManager m = NDManager.newBaseManager()) {
                Map<String, NDArray> given = Fixtures.tensors(vilt.resolve("inputs.safetensors"), m);
                long[] pixels = given.get("pixel_values").getShape().getShape();
                long[] text = given.get("input_ids").getShape().getShape();
                Map<String, NDArray> in = new java.util.LinkedHashMap<>();
                in.put("pixels", given.get("pixel_values"));
                in.put("pixel_mask", given.get("pixel_mask"));
                in.put("input_ids", given.get("input_ids"));
                in.put("attention_mask", given.get("attention_mask"));
                in.put("token_type_ids", given.get("token_type_ids"));
                String size = pixels[2] + "x" + pixels[3];
                Path plain = tmp.resolve("vilt.onnx");
                Run r = run("export", viltDir, "--image-size", size, "--text-length", Long.toString(text[1]), "-o",
                        plain.toString());
                assertEquals(0, r.code(), r.err());
                assertTrue(r.out().contains("ViLT, " + size + " px, " + text[1] + " text tokens"), r.out());
                assertClose(Fixtures.tensors(vilt.resolve("expected.safetensors"), m).get("qa_logits"),
                        OnnxRuntimeRun.run(plain, in, m).get("qa_logits"), 1e-4, "unreduced qa_logits vs Hugging Face");
                Path tome = tmp.resolve("vilt-tome.onnx");
                r = run("export", viltDir, "--image-size", size, "--text-length", Long.toString(text[1]), "--method",
                        "tome", "--level", "3", "-o", tome.toString());
                assertEquals(0, r.code(), r.err());
                long[] tokens = OnnxRuntimeRun.run(tome, in, m).get("tokens_per_layer").toLongArray();
                long all = text[1] + 1 + (pixels[2] / 32) * (pixels[3] / 32);
                for (int l = 0; l < tokens.length; l++) {
                    assertEquals(all - 3L * (l + 1), tokens[l], "ToMe r=3 removes 3 of the " + all
                            + " tokens at every block: " + Arrays.toString(tokens));
                }
                Path spec = Files.writeString(tmp.resolve("pumer.json"),
                        "{\"method\":\"pumer\",\"schedule\":{\"type\":\"dynamic\",\"layers\":[0,1]}}");
                Path pumer = tmp.resolve("vilt-pumer.onnx");
                r = run("export", viltDir, "--image-size", size, "--text-length", Long.toString(text[1]), "--spec",
                        spec.toString(), "-o", pumer.toString());
                assertEquals(0, r.code(), r.err());
                tokens = OnnxRuntimeRun.run(pumer, in, m).get("tokens_per_layer").toLongArray();
                assertTrue(tokens[1] < all, "PuMer at layers 0 and 1 prunes and merges image tokens: "
                        + Arrays.toString(tokens));
            }
        }));
        tests.add(DynamicTest.dynamicTest("vilt pumer beyond its depth", () -> assertRefused(
                new String[] {viltDir, "--method", "pumer"}, "reduces at layers 2, 5 and 8", "--spec")));
        tests.add(DynamicTest.dynamicTest("vilt in int8", () -> assertRefused(
                new String[] {viltDir, "--precision", "int8"}, "ViLT's graph is written in fp32")));
        tests.add(DynamicTest.dynamicTest("vilt image size", () -> assertRefused(
                new String[] {viltDir, "--image-size", "96"}, "--image-size", "HEIGHTxWIDTH", "'96'")));
        tests.add(DynamicTest.dynamicTest("image size of a vit", () -> assertRefused(
                new String[] {vit, "--image-size", "96x96"}, "only ViLT's graph takes them")));
        tests.add(DynamicTest.dynamicTest("sentence encoder with madtp", () -> assertRefused(
                new String[] {"all-minilm-l6-v2", "--method", "madtp", "--level", "0.8"}, "madtp decides per text")));
        tests.add(DynamicTest.dynamicTest("sentence encoder in bf16", () -> assertRefused(
                new String[] {"all-minilm-l6-v2", "--precision", "bf16"}, "fp32 or int8, got bf16")));
        tests.add(DynamicTest.dynamicTest("buckets of an image model", () -> assertRefused(
                new String[] {vit, "--lengths", "16"}, "--lengths", "length buckets")));
        tests.add(DynamicTest.dynamicTest("sentence encoder", () -> {
            Path out = tmp.resolve("minilm-crossget.onnx");
            Run r = run("export", "all-minilm-l6-v2", "--method", "crossget", "--level", "0.5", "--lengths", "16,32",
                    "-o", out.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("all-minilm-l6-v2 sentence encoder") && r.out().contains("[16, 32]"), r.out());
            try (NDManager m = NDManager.newBaseManager()) {
                long[] ids = new long[20];
                long[] mask = new long[20];
                ids[0] = 101;
                for (int i = 1; i < 19; i++) {
                    ids[i] = 2000 + 37 * i;
                }
                ids[19] = 102;
                java.util.Arrays.fill(mask, 1);
                java.util.Map<String, NDArray> in = new java.util.LinkedHashMap<>();
                in.put("input_ids", m.create(ids, new ai.djl.ndarray.types.Shape(1, 20)));
                in.put("attention_mask", m.create(mask, new ai.djl.ndarray.types.Shape(1, 20)));
                java.util.Map<String, NDArray> o = OnnxRuntimeRun.run(out, in, m);
                long[] tokens = o.get("tokens_per_layer").toLongArray();
                assertEquals(6, tokens.length, "a count per MiniLM layer: " + Arrays.toString(tokens));
                // the default floor (64 tokens) leaves a 20-token text whole, padded to the 32 bucket
                assertEquals(32, tokens[5], Arrays.toString(tokens));
                assertEquals(384, o.get("sentence_embedding").getShape().get(1));
            }
        }));
        tests.add(DynamicTest.dynamicTest("clip image tower", () -> {
            Path out = tmp.resolve("clip-tome.onnx");
            Run r = run("export", Fixtures.shared().resolve("fixtures/clip/tiny-vit-b16/hf").toString(), "--method",
                    "tome", "--level", "2", "-o", out.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(Files.size(out) > 0 && r.out().contains("CLIP image tower"), r.out());
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray pixels = m.randomNormal(new ai.djl.ndarray.types.Shape(1, 3, 224, 224));
                long[] tokens = OnnxRuntimeRun.run(out, "pixels", pixels, m).get("tokens_per_layer").toLongArray();
                for (int l = 1; l < tokens.length; l++) {
                    assertEquals(tokens[l - 1] - 2, tokens[l], "ToMe r=2 removes 2 tokens at every block: "
                            + Arrays.toString(tokens));
                }
            }
        }));
        tests.add(DynamicTest.dynamicTest("blip image tower", () -> {
            Path blip = Fixtures.cases("blip").get(0);
            Path out = tmp.resolve("blip-tome.onnx");
            Run r = run("export", blip.resolve("hf").toString(), "--method", "tome", "--level", "2", "-o",
                    out.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(Files.size(out) > 0 && r.out().contains("BLIP image tower"), r.out());
            Path plain = tmp.resolve("blip.onnx");
            assertEquals(0, run("export", blip.resolve("hf").toString(), "-o", plain.toString()).code());
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray pixels = Fixtures.tensors(blip.resolve("inputs.safetensors"), m).get("pixel_values");
                long[] tokens = OnnxRuntimeRun.run(out, "pixels", pixels, m).get("tokens_per_layer").toLongArray();
                for (int l = 1; l < tokens.length; l++) {
                    assertEquals(tokens[l - 1] - 2, tokens[l], "ToMe r=2 removes 2 tokens at every block: "
                            + Arrays.toString(tokens));
                }
                assertClose(Fixtures.tensors(blip.resolve("expected.safetensors"), m).get("image_feat"),
                        OnnxRuntimeRun.run(plain, "pixels", pixels, m).get("image_feat"), 1e-4,
                        "unreduced image_feat vs Hugging Face");
            }
        }));
        tests.add(DynamicTest.dynamicTest("output is a folder", () -> {
            Run r = run("export", vit, "--method", "tome", "-o", folder.toString());
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains(folder + " is a folder"), r.err());
            try (Stream<Path> s = Files.list(folder)) {
                assertEquals(0, s.count(), "nothing written into " + folder);
            }
        }));
        return tests;
    }

    /** Runs export with {@code args}, expects exit 1 and every fragment in the message, and no file nor folder. */
    private void assertRefused(String[] args, String... fragments) throws IOException {
        Path parent = tmp.resolve("refused");
        Path file = parent.resolve("model.onnx");
        List<String> all = new ArrayList<>(List.of("export"));
        all.addAll(List.of(args));
        all.addAll(List.of("-o", file.toString()));
        Run r = run(all.toArray(String[]::new));
        assertEquals(1, r.code(), String.join(" ", all) + ": " + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "message should contain '" + f + "': " + r.err());
        }
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
        assertTrue(Files.notExists(file) && Files.notExists(parent), "nothing written: " + parent);
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".partial")), "no partial file");
        }
    }
}
