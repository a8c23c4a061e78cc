package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipTokenizer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * Each {@code tokenreduce} command run end to end on the fixture-sized CLIP (2 layers, 197 tokens)
 * and the bundled MiniLM: the report it writes, checked against the library called directly.
 */
class CliRunTest {

    @TempDir
    static Path tmp;
    static Path clip;
    static Path images;

    /** The tiny CLIP fixture, with a word-level tokenizer.json (the fixture ships none) and a class-folder image set. */
    @BeforeAll
    static void setUp() throws IOException {
        Path hf = Fixtures.shared().resolve("fixtures/clip/tiny-vit-b16/hf");
        clip = Files.createDirectories(tmp.resolve("clip"));
        Files.copy(hf.resolve("config.json"), clip.resolve("config.json"));
        Files.copy(hf.resolve("model.safetensors"), clip.resolve("model.safetensors"));
        Files.writeString(clip.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [
                  {"id": 49406, "content": "<|startoftext|>", "single_word": false, "lstrip": false, "rstrip": false,
                   "normalized": false, "special": true},
                  {"id": 49407, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false,
                   "normalized": false, "special": true}],
                 "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"},
                 "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "unk_token": "[UNK]",
                  "vocab": {"[UNK]": 0, "a": 320, "photo": 1125, "of": 539, "red": 736, "blue": 1746, "square": 4064,
                            ".": 269, "<|startoftext|>": 49406, "<|endoftext|>": 49407}}}
                """);
        images = Files.createDirectories(tmp.resolve("images"));
        Random rnd = new Random(7);
        for (String cls : List.of("red_square", "blue_square")) {
            Path dir = Files.createDirectories(images.resolve(cls));
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(240, 200, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
                g.fillRect(0, 0, 240, 200);
                g.setColor(cls.startsWith("red") ? Color.RED : Color.BLUE);
                g.fillRect(20 + rnd.nextInt(60), 20 + rnd.nextInt(40), 120, 120);
                g.dispose();
                ImageIO.write(img, "png", dir.resolve("img" + i + ".png").toFile());
            }
        }
    }

    private static void ok(String... args) {
        CliArgumentsTest.Outcome o = CliArgumentsTest.run(args);
        assertEquals(0, o.code(), String.join(" ", args) + " failed: " + o.err());
    }

    @Test
    void benchReportsEveryConfigurationWithTheTokensItLeft() throws IOException {
        Path out = tmp.resolve("bench");
        ok("bench", clip.toString(), "--levels", "2,8", "--rounds", "2", "--warmup", "0", "--batch", "2", "-q",
                "--precisions", "bf16", "--out", out.toString());
        String md = Files.readString(out.resolve("report.md"));
        boolean bf16 = Precision.BF16.resolve(Device.cpu()) == Precision.BF16;
        if (bf16) { // the reduction decides in float32: the same tokens at either precision
            assertRow(md, "bf16 unreduced", "[197, 197]");
            assertRow(md, "bf16 tome r=8", "[189, 181]");
        }
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        List<String> seen = new ArrayList<>();
        for (JsonElement e : json.getAsJsonArray("configurations")) {
            JsonObject o = e.getAsJsonObject();
            seen.add(o.get("engine").getAsString() + " " + o.get("precision").getAsString() + " "
                    + o.get("method").getAsString() + (o.get("level").isJsonNull() ? "" : " " + o.get("level").getAsDouble()));
            assertTrue(o.get("median_s").getAsDouble() > 0 && o.has("flops_ideal") && o.has("peak_rss_mb"), o.toString());
            if (o.get("precision").getAsString().equals("bf16")) { // the same reduction, close to float32
                double min = o.get("cosine_vs_fp32").getAsDouble();
                double mean = o.get("mean_cosine_vs_fp32").getAsDouble();
                assertTrue(min > 0.999 && mean >= min && mean <= 1 + 1e-12 && o.get("same_tokens_as_fp32").getAsBoolean(),
                        o.toString());
            } else {
                assertTrue(o.get("cosine_vs_fp32").isJsonNull() && o.get("mean_cosine_vs_fp32").isJsonNull(), o.toString());
            }
        }
        assertTrue(seen.contains("pytorch fp32 none") && seen.contains("pytorch fp32 tome 8.0"), seen.toString());
        assertEquals(bf16, seen.contains("pytorch bf16 crossget 2.0"), seen.toString());
        // 197 tokens, 2 layers: ToMe and MADTP take r from the 196 patches; CrossGET adds a cross token first
        assertRow(md, "unreduced", "[197, 197]");
        assertRow(md, "tome r=2", "[195, 193]");
        assertRow(md, "tome r=8", "[189, 181]");
        assertRow(md, "crossget r=8", "[190, 182]");
        assertRow(md, "madtp r=2", "[195, 193]");
        assertTrue(md.contains("peak RSS") && md.contains("faults/run") && md.contains("FLOPs-ideal"), md);
        assertTrue(md.contains("batch 2, synthetic dead-leaves scenes"), "the default images are named: " + md);
        for (String png : List.of("bench-0-throughput.png", "bench-0-tokens.png")) {
            assertNotNull(ImageIO.read(out.resolve(png).toFile()), png + " is not a readable PNG");
        }
    }

    /**
     * results.json: one object per timed configuration with the fields scripts compare on, the
     * unreduced and reduced PyTorch rows and the ONNX Runtime peer on the same documents.
     */
    @Test
    void benchWritesResultsJsonWithTheOnnxRuntimePeer() throws IOException {
        Path out = tmp.resolve("bench-json");
        ok("bench", "all-minilm-l6-v2", "--methods", "tome", "--levels", "0.8", "--docs", "4", "--batch", "4",
                "--rounds", "1", "--warmup", "0", "--precisions", "fp32", "-q",
                "--data", Fixtures.shared().resolve("data").toString(), "--out", out.toString());
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        List<String> seen = new ArrayList<>();
        for (JsonElement e : json.getAsJsonArray("configurations")) {
            JsonObject o = e.getAsJsonObject();
            for (String f : List.of("model", "engine", "precision", "method", "level", "median_s", "flops_ideal",
                    "peak_rss_mb")) {
                assertTrue(o.has(f), f + " missing in " + o);
            }
            assertTrue(o.get("model").getAsString().startsWith("all-minilm-l6-v2"), o.toString());
            assertEquals("fp32", o.get("precision").getAsString(), o.toString());
            assertTrue(o.get("median_s").getAsDouble() > 0 && o.get("peak_rss_mb").getAsLong() > 0, o.toString());
            String method = o.get("method").getAsString();
            assertEquals(method.equals("none"), o.get("level").isJsonNull(), "a level exactly when reduced: " + o);
            if (method.equals("tome")) {
                assertEquals(0.8, o.get("level").getAsDouble(), 1e-12);
                assertTrue(o.get("flops_ideal").getAsDouble() > 1, "ToMe at 0.8 saves FLOPs: " + o);
            }
            seen.add(o.get("engine").getAsString() + " " + method);
        }
        assertEquals(List.of("pytorch none", "pytorch tome", "onnxruntime none"), seen);
    }

    private static void assertRow(String md, String label, String tokens) {
        String row = md.lines().filter(l -> l.startsWith("| " + label + " |")).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + label + "' in\n" + md));
        assertTrue(row.endsWith(tokens + " |"), "row " + label + " should end with " + tokens + ": " + row);
    }

    /** On ONNX Runtime the image tower runs as its exported float32 graph, which computes what the library does. */
    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "onnxruntime"})
    void evalZeroShotMatchesTheLibrary(String engine) throws Exception {
        Path out = tmp.resolve("eval-" + engine);
        ok("eval", clip.toString(), "--task", "zeroshot", "--images", images.toString(), "--methods", "tome",
                "--levels", "8", "--batch", "4", "--engine", engine, "-q", "--out", out.toString());
        String md = Files.readString(out.resolve("report.md"));
        double[] unreduced = metrics(md, "unreduced");
        double[] tome = metrics(md, "tome 8");
        // the same figures computed here with the library: CLIP zero-shot over the six images
        long[] plain = predictions(null);
        long[] reduced = predictions(ToMeReducer.builder().schedule(Schedule.constant(8)).build());
        assertEquals(accuracy(plain), unreduced[0], 1e-9, "unreduced top-1");
        assertEquals(accuracy(reduced), tome[0], 1e-9, "tome r=8 top-1");
        int agree = 0;
        for (int i = 0; i < plain.length; i++) {
            agree += plain[i] == reduced[i] ? 1 : 0;
        }
        assertEquals(agree / (double) plain.length, tome[1], 1e-9, "tome r=8 agreement with the unreduced predictions");
        assertNotNull(ImageIO.read(out.resolve("eval-accuracy.png").toFile()));
    }

    /** Share of {@code pred} equal to the class folder of each image (blue_square: 0, red_square: 1, three each). */
    private static double accuracy(long[] pred) {
        int correct = 0;
        for (int i = 0; i < pred.length; i++) {
            correct += pred[i] == i / 3 ? 1 : 0;
        }
        return correct / (double) pred.length;
    }

    /** CLIP zero-shot predictions over {@link #images} with "a photo of a {class}.", reduced by {@code tome} or not. */
    private static long[] predictions(ToMeReducer tome) throws Exception {
        try (ClipModel base = ClipModel.load(clip, Device.cpu()); ClipTokenizer tok = ClipTokenizer.load(clip, 77);
                NDManager m = NDManager.newBaseManager()) {
            ClipModel c = tome == null ? base : base.withReduction(Site.VISION_BLOCKS, TowerReduction.of(tome));
            ClipImageProcessor proc = new ClipImageProcessor(224);
            List<BufferedImage> imgs = new ArrayList<>();
            List<String> classes = List.of("blue square", "red square"); // sorted folder order
            for (int k = 0; k < classes.size(); k++) {
                for (int i = 0; i < 3; i++) {
                    imgs.add(ImageIO.read(images.resolve(classes.get(k).replace(' ', '_')).resolve("img" + i + ".png")
                            .toFile()));
                }
            }
            NDArray img = c.encodeImages(proc.batch(m, imgs));
            NDArray txt = c.encodeTexts(m, tok.encode(classes.stream().map(s -> "a photo of a " + s + ".").toList()));
            return img.matMul(txt.transpose()).argMax(1).toLongArray();
        }
    }

    private static double[] metrics(String md, String label) {
        String[] cells = cells(md, label);
        return new double[] {Double.parseDouble(cells[2].trim()), Double.parseDouble(cells[3].trim())};
    }

    @Test
    void calibrateWritesASpecThatMeetsTheFidelityBudget() throws Exception {
        Path out = tmp.resolve("calibrate");
        // the calibration inputs are random pixels drawn from the engine's generator: seeded, they can be drawn again
        int seed = 20261202;
        Engine.getInstance().setRandomSeed(seed);
        ok("calibrate", clip.toString(), "--budget", "fidelity=0.995", "--methods", "tome", "--batch", "2", "-q",
                "--out", out.toString());
        ReducerSpec spec = ReducerSpec.read(out.resolve("schedule.json"));
        assertEquals("tome", spec.method());
        String md = Files.readString(out.resolve("report.md"));
        // the chosen configuration is the cheapest of those the report marks as meeting the budget
        double cheapest = Double.MAX_VALUE;
        for (String row : md.lines().filter(l -> l.startsWith("| ") && l.endsWith("| yes |")).toList()) {
            String[] c = row.split("\\|");
            assertTrue(Double.parseDouble(c[5].trim()) >= 0.995, "a row meeting the budget has cosine >= 0.995: " + row);
            cheapest = Math.min(cheapest, Double.parseDouble(c[3].trim()));
        }
        Matcher chosen = Pattern.compile("Chosen: \\*\\*tome ([^*]+)\\*\\*: ([0-9.]+) GFLOP.*mean cosine ([0-9.]+)")
                .matcher(md);
        assertTrue(chosen.find(), md);
        assertEquals(spec.schedule().toString(), chosen.group(1), "schedule.json holds the chosen schedule");
        assertEquals(cheapest, Double.parseDouble(chosen.group(2)), 0.051, "the cheapest row that meets the budget");
        // the written spec, applied with the library to the calibration inputs drawn again, keeps the mean cosine
        // to the unreduced outputs at the budget asked for, and at the figure the report gives
        try (ClipModel base = ClipModel.load(clip, Device.cpu()); NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(seed);
            NDArray pixels = m.randomNormal(new ai.djl.ndarray.types.Shape(2, 3, 224, 224));
            NDArray a = base.encodeImages(pixels);
            NDArray b = base.withReduction(Site.VISION_BLOCKS, TowerReduction.of(spec.reducer())).encodeImages(pixels);
            double mean = a.mul(b).sum(new int[] {1}).div(a.norm(new int[] {1}).mul(b.norm(new int[] {1}))).mean()
                    .getFloat();
            assertTrue(mean >= 0.995, "mean cosine to the unreduced model with the calibrated spec: " + mean);
            assertEquals(Double.parseDouble(chosen.group(3)), mean, 1e-4, "the mean cosine the report gives");
            assertTrue(spec.schedule().removals(0, 197) > 0, "the spec reduces: " + spec.schedule());
        }
    }

    /**
     * {@code calibrate --engine onnxruntime}: every configuration is the exported graph run by ONNX Runtime,
     * measured against the float32 eager model. In float32 the unreduced graph is the model (cosine 1 to six
     * places); with {@code --precision int8} its rounding moves the cosine by less than the report's four places on
     * some CPUs (AMD Zen 4 with VNNI) and by about 1e-4 on others, so the test holds it to the model within 0.05.
     */
    @Test
    void calibrateOnOnnxRuntimeMeasuresTheExportedGraphInItsPrecision() throws Exception {
        double[] unreduced = new double[2];
        String[] precisions = {"fp32", "int8"};
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve("calibrate-ort-" + precisions[i]);
            ok("calibrate", clip.toString(), "--budget", "fidelity=0.9", "--methods", "tome", "--levels", "2,8",
                    "--engine", "onnxruntime", "--precision", precisions[i], "--batch", "2", "--rounds", "1", "-q",
                    "--out", out.toString());
            String md = Files.readString(out.resolve("report.md"));
            assertTrue(md.contains("on ONNX Runtime, exported as one graph") && md.contains(" in " + precisions[i] + ";"),
                    md);
            List<String> rows = md.lines().filter(l -> l.startsWith("| unreduced |")).toList();
            assertEquals(1, rows.size(), md);
            unreduced[i] = Double.parseDouble(rows.get(0).split("\\|")[5].trim());
            ReducerSpec spec = ReducerSpec.read(out.resolve("schedule.json"));
            assertTrue(spec.schedule().removals(0, 197) > 0, "a cosine floor of 0.9 is met by a reduction: " + md);
        }
        assertEquals(1.0, unreduced[0], 1e-4, "the float32 graph computes the eager model");
        assertTrue(unreduced[1] <= 1.0 && unreduced[1] > 0.95, "the int8 graph keeps the model: " + unreduced[1]);
    }

    @Test
    void embedImagesEqualsTheReducedModel() throws Exception {
        Path out = tmp.resolve("embed-images");
        Path dir = images.resolve("red_square");
        ok("embed", clip.toString(), "--input", dir.toString(), "--method", "tome", "--level", "8", "--batch", "2",
                "-q", "--out", out.toString());
        assertEquals(List.of("img0.png", "img1.png", "img2.png"), Files.readAllLines(out.resolve("ids.txt")));
        float[][] got = readNpy(out.resolve("embeddings.npy"));
        try (ClipModel base = ClipModel.load(clip, Device.cpu()); NDManager m = NDManager.newBaseManager()) {
            ClipModel c = base.withReduction(Site.VISION_BLOCKS, TowerReduction.of(
                    ToMeReducer.builder().schedule(Schedule.constant(8)).build()));
            List<BufferedImage> imgs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                imgs.add(ImageIO.read(dir.resolve("img" + i + ".png").toFile()));
            }
            float[] want = c.encodeImages(new ClipImageProcessor(224).batch(m, imgs)).toFloatArray();
            assertEquals(3, got.length);
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < got[i].length; j++) {
                    assertEquals(want[i * got[i].length + j], got[i][j], 1e-5, "embedding " + i + "[" + j + "]");
                }
            }
        }
    }

    /**
     * {@code embed --engine onnxruntime} gives what the eager reduced model gives: in fp32 within 1e-4, in
     * int8 within a cosine of 0.99 without being equal; bf16 and the sentence encoders are refused.
     */
    @Test
    void embedImagesOnOnnxRuntimeEqualsTheReducedModel() throws Exception {
        Path dir = images.resolve("red_square");
        List<BufferedImage> imgs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            imgs.add(ImageIO.read(dir.resolve("img" + i + ".png").toFile()));
        }
        float[] want;
        try (ClipModel base = ClipModel.load(clip, Device.cpu()); NDManager m = NDManager.newBaseManager()) {
            want = base.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder()
                    .schedule(Schedule.constant(8)).build())).encodeImages(new ClipImageProcessor(224).batch(m, imgs))
                    .toFloatArray();
        }
        for (String precision : List.of("fp32", "int8")) {
            Path out = tmp.resolve("embed-ort-" + precision);
            ok("embed", clip.toString(), "--input", dir.toString(), "--method", "tome", "--level", "8", "--batch", "2",
                    "--engine", "onnxruntime", "--precision", precision, "-q", "--out", out.toString());
            float[][] got = readNpy(out.resolve("embeddings.npy"));
            assertEquals(3, got.length);
            double maxDiff = 0;
            for (int i = 0; i < 3; i++) {
                double dot = 0;
                double norm = 0;
                for (int j = 0; j < got[i].length; j++) {
                    float w = want[i * got[i].length + j];
                    maxDiff = Math.max(maxDiff, Math.abs(w - got[i][j]));
                    dot += w * got[i][j];
                    norm += got[i][j] * got[i][j];
                }
                assertEquals(1.0, norm, 1e-4, precision + ": unit-length embeddings");
                assertTrue(dot >= 0.99, precision + " cosine " + dot);
            }
            assertTrue(precision.equals("fp32") ? maxDiff < 1e-4 : maxDiff > 1e-6, precision + " max diff " + maxDiff);
        }
        CliArgumentsTest.Outcome bf16 = CliArgumentsTest.run("embed", clip.toString(), "--input", dir.toString(),
                "--engine", "onnxruntime", "--precision", "bf16", "-q", "--out", tmp.resolve("bf16").toString());
        assertEquals(1, bf16.code());
        assertTrue(bf16.err().contains("no bfloat16"), bf16.err());
    }

    @Test
    void embedTextEqualsTheEncoder() throws Exception {
        Path file = tmp.resolve("texts.txt");
        Files.writeString(file, "Token merging speeds up transformers.\n\nA second, unrelated sentence about cats.\n");
        Path out = tmp.resolve("embed-text");
        ok("embed", "all-minilm-l6-v2", "--input", file.toString(), "-q", "--out", out.toString());
        assertEquals(List.of("1", "3"), Files.readAllLines(out.resolve("ids.txt")), "blank lines are skipped");
        float[][] got = readNpy(out.resolve("embeddings.npy"));
        try (SentenceEncoder e = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu())) {
            float[][] want = e.embed(List.of("Token merging speeds up transformers.",
                    "A second, unrelated sentence about cats."));
            assertEquals(2, got.length);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(want[i], got[i], 1e-5f, "row " + i);
            }
            // the same through the exported graph on ONNX Runtime (float32, unreduced)
            Path ort = tmp.resolve("embed-text-ort");
            ok("embed", "all-minilm-l6-v2", "--input", file.toString(), "--engine", "onnxruntime", "-q", "--out",
                    ort.toString());
            float[][] onOrt = readNpy(ort.resolve("embeddings.npy"));
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(want[i], onOrt[i], 1e-4f, "onnxruntime row " + i);
            }
        }
        CliArgumentsTest.Outcome bf16 = CliArgumentsTest.run("embed", "all-minilm-l6-v2", "--input", file.toString(),
                "--engine", "onnxruntime", "--precision", "bf16", "-q", "--out", tmp.resolve("t").toString());
        assertEquals(1, bf16.code());
        assertTrue(bf16.err().contains("fp32 or int8, got bf16"), bf16.err());
    }

    @Test
    void embedTextInBf16EqualsTheBf16EncoderAndStaysCloseToFloat32() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Precision.BF16.resolve(Device.cpu()) == Precision.BF16,
                "this CPU has no bfloat16 instructions");
        Path file = tmp.resolve("texts-bf16.txt");
        List<String> texts = List.of("Token merging speeds up transformers on the JVM.", "A cat sat on the warm mat.");
        Files.writeString(file, String.join("\n", texts) + "\n");
        Path out = tmp.resolve("embed-bf16");
        ok("embed", "all-minilm-l6-v2", "--input", file.toString(), "--precision", "bf16", "-q", "--out", out.toString());
        float[][] got = readNpy(out.resolve("embeddings.npy"));
        try (SentenceEncoder e = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu())) {
            float[][] low = e.withPrecision(Precision.BF16).embed(texts);
            float[][] fp32 = e.embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(low[i], got[i], 1e-5f, "row " + i);
                double dot = 0;
                double diff = 0;
                for (int j = 0; j < got[i].length; j++) {
                    dot += got[i][j] * fp32[i][j];
                    diff = Math.max(diff, Math.abs(got[i][j] - fp32[i][j]));
                }
                assertTrue(dot > 0.999 && diff > 0, "row " + i + ": cosine " + dot + " to float32, max diff " + diff);
            }
        }
    }

    /**
     * A folder with an undecodable file: skipped and listed, exit code 3; with --strict the run stops
     * there, leaving the rows before it readable, and --resume (the file mended) embeds only the rest.
     */
    @Test
    void embedSkipsWhatCannotBeDecodedStrictStopsAndResumeContinues() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mixed"));
        Path red = images.resolve("red_square");
        Files.copy(red.resolve("img0.png"), dir.resolve("a.png"));
        Files.copy(red.resolve("img1.png"), dir.resolve("b.png"));
        Files.writeString(dir.resolve("broken.jpg"), "these bytes are no JPEG");
        Files.copy(red.resolve("img2.png"), dir.resolve("d.png"));
        float[][] want;
        try (ClipModel base = ClipModel.load(clip, Device.cpu())) {
            List<BufferedImage> imgs = new ArrayList<>();
            for (String f : List.of("img0.png", "img1.png", "img0.png", "img2.png")) {
                imgs.add(ImageIO.read(red.resolve(f).toFile()));
            }
            want = base.embed(imgs); // a, b, broken.jpg once mended with img0's pixels, d
        }

        Path out = tmp.resolve("embed-mixed");
        CliArgumentsTest.Outcome o = CliArgumentsTest.run("embed", clip.toString(), "--input", dir.toString(),
                "--batch", "2", "-q", "--out", out.toString());
        assertEquals(3, o.code(), "some input skipped: " + o.err());
        assertTrue(o.err().contains("1 input skipped, listed in") && o.err().contains("errors.txt"), o.err());
        assertEquals(List.of("a.png", "b.png", "d.png"), Files.readAllLines(out.resolve("ids.txt")));
        List<String> errors = Files.readAllLines(out.resolve("errors.txt"));
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("broken.jpg\timage ") && errors.get(0).contains("cannot be decoded"),
                errors.get(0));
        assertRows(new float[][] {want[0], want[1], want[3]}, readNpy(out.resolve("embeddings.npy")));

        Path strict = tmp.resolve("embed-strict");
        o = CliArgumentsTest.run("embed", clip.toString(), "--input", dir.toString(), "--batch", "1", "--strict", "-q",
                "--out", strict.toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("broken.jpg cannot be decoded") && o.err().contains("--strict"), o.err());
        assertEquals(List.of("a.png", "b.png"), Files.readAllLines(strict.resolve("ids.txt")), "the rows before it");
        assertRows(new float[][] {want[0], want[1]}, readNpy(strict.resolve("embeddings.npy")));

        // mark a kept row, so that recomputing it would show; mend the file; resume
        Path npy = strict.resolve("embeddings.npy");
        byte[] bytes = Files.readAllBytes(npy);
        int data = 10 + ((bytes[8] & 0xff) | (bytes[9] & 0xff) << 8);
        ByteBuffer.wrap(bytes, data, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(42f);
        Files.write(npy, bytes);
        Files.copy(red.resolve("img0.png"), dir.resolve("broken.jpg"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ok("embed", clip.toString(), "--input", dir.toString(), "--batch", "2", "--strict", "--resume", "-q",
                "--out", strict.toString());
        assertEquals(List.of("a.png", "b.png", "broken.jpg", "d.png"), Files.readAllLines(strict.resolve("ids.txt")));
        assertEquals(List.of(), Files.readAllLines(strict.resolve("errors.txt")));
        float[][] got = readNpy(npy);
        assertEquals(42f, got[0][0], "a resumed row is kept, not embedded again");
        got[0][0] = want[0][0];
        assertRows(want, got);
    }

    @Test
    void embedTextSkipsALineThatIsNotUtf8() throws Exception {
        Path file = tmp.resolve("mixed.txt");
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes("A first sentence.\nbroken ".getBytes(StandardCharsets.UTF_8));
        b.write(0xff);
        b.writeBytes("\nA third sentence.\n".getBytes(StandardCharsets.UTF_8));
        Files.write(file, b.toByteArray());
        Path out = tmp.resolve("embed-mixed-text");
        CliArgumentsTest.Outcome o = CliArgumentsTest.run("embed", "all-minilm-l6-v2", "--input", file.toString(), "-q",
                "--out", out.toString());
        assertEquals(3, o.code(), o.err());
        assertEquals(List.of("1", "3"), Files.readAllLines(out.resolve("ids.txt")));
        assertEquals(List.of("2\tline 2 is not valid UTF-8: byte 0xFF at offset 7"),
                Files.readAllLines(out.resolve("errors.txt")));
        assertEquals(2, readNpy(out.resolve("embeddings.npy")).length);
    }

    private static void assertRows(float[][] want, float[][] got) {
        assertEquals(want.length, got.length, "rows");
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i], got[i], 1e-5f, "row " + i);
        }
    }

    /**
     * eval on real STS-B pairs: the unreduced Spearman is in the published range, and tome at level 1
     * (keeps every token) and tome 0.9 (STS-B sentences are under the 64-token floor) give exactly
     * the same Spearman. Their speed-ups are timed on a shared machine, so only the report's form is
     * asserted here (the timing logic is tested with a fake clock in the cli module).
     */
    @Test
    void evalStsOnRealDataCorrelatesAndANoOpLevelRemovesNothing() throws Exception {
        Path out = tmp.resolve("eval-sts");
        ok("eval", "all-minilm-l6-v2", "--task", "sts", "--data",
                Fixtures.shared().resolve("data/stsb/stsb-en-dev.csv").toString(), "--limit", "50", "--methods", "tome",
                "--levels", "1,0.9", "--batch", "128", "--rounds", "3", "-q", "--out", out.toString());
        String md = Files.readString(out.resolve("report.md"));
        String[] base = cells(md, "unreduced");
        String[] keepAll = cells(md, "tome 1");
        String[] underFloor = cells(md, "tome 0.9");
        double rho = Double.parseDouble(base[2].trim());
        // all-MiniLM-L6-v2 scores about 0.87 Spearman on the full STS-B dev set
        assertTrue(rho > 0.75 && rho < 0.97, "unreduced Spearman on 50 STS-B dev pairs: " + rho);
        assertEquals(base[2].trim(), keepAll[2].trim(), "level 1 removes nothing");
        assertEquals(base[2].trim(), underFloor[2].trim(), "under the floor tome 0.9 removes nothing");
        assertEquals("1.00", base[5].trim(), "the baseline's speed-up");
        assertTrue(Double.parseDouble(keepAll[5].trim()) > 0 && Double.parseDouble(underFloor[5].trim()) > 0, md);
        assertTrue(md.contains("1 time(s) untimed, then 3 timed rounds interleaved"), md);
    }

    /**
     * eval --engine onnxruntime on the same STS-B pairs: the unreduced graph gives the eager Spearman
     * (to the report's four decimals), CrossGET runs as its own exported graph, and MADTP and bf16 are
     * skipped with a line on stderr rather than failing the run.
     */
    @Test
    void evalStsOnOnnxRuntimeMatchesTheEagerBaseline() throws Exception {
        String sts = Fixtures.shared().resolve("data/stsb/stsb-en-dev.csv").toString();
        Path eager = tmp.resolve("eval-eager");
        ok("eval", "all-minilm-l6-v2", "--task", "sts", "--data", sts, "--limit", "40", "--methods", "tome",
                "--levels", "1", "--rounds", "1", "-q", "--out", eager.toString());
        Path ort = tmp.resolve("eval-ort");
        CliArgumentsTest.Outcome r = CliArgumentsTest.run("eval", "all-minilm-l6-v2", "--task", "sts", "--data", sts,
                "--limit", "40", "--methods", "crossget,madtp", "--levels", "0.5", "--precisions", "fp32,bf16",
                "--engine", "onnxruntime", "--rounds", "1", "-q", "--out", ort.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("skips madtp 0.5") && r.err().contains("skips bf16 unreduced"), r.err());
        String md = Files.readString(ort.resolve("report.md"));
        assertTrue(md.contains("on ONNX Runtime"), md);
        assertEquals(cells(Files.readString(eager.resolve("report.md")), "unreduced")[2].trim(),
                cells(md, "unreduced")[2].trim(), "the unreduced graph gives the eager Spearman");
        assertTrue(md.lines().noneMatch(l -> l.startsWith("| madtp") || l.startsWith("| bf16")), md);
        cells(md, "crossget 0.5");
    }

    private static String[] cells(String md, String label) {
        return md.lines().filter(l -> l.startsWith("| " + label + " |")).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + label + "' in\n" + md)).split("\\|");
    }

    /** A float32 C-order [N, D] .npy file. */
    private static float[][] readNpy(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertEquals((byte) 0x93, bytes[0]);
        assertEquals("NUMPY", new String(bytes, 1, 5, StandardCharsets.US_ASCII));
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLen) % 64, "header padded to 64 bytes");
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f4'") && header.contains("'fortran_order': False"), header);
        Matcher shape = Pattern.compile("'shape': \\((\\d+), (\\d+)\\)").matcher(header);
        assertTrue(shape.find(), header);
        int n = Integer.parseInt(shape.group(1));
        int d = Integer.parseInt(shape.group(2));
        assertEquals(bytes.length, 10 + headerLen + 4L * n * d, "file size matches the shape");
        ByteBuffer b = ByteBuffer.wrap(bytes, 10 + headerLen, 4 * n * d).order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[n][d];
        for (float[] row : out) {
            for (int j = 0; j < d; j++) {
                row[j] = b.getFloat();
            }
        }
        return out;
    }
}
