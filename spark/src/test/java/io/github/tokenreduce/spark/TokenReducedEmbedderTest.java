package io.github.tokenreduce.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * The transformer on {@code local[2]}: embeddings equal the single-machine API's (fixture-sized
 * CLIP, bundled MiniLM), bad rows get a null embedding and an error, the schedule file is honoured,
 * a bad model fails on the driver, and the stage saves and loads inside a Pipeline.
 */
class TokenReducedEmbedderTest {

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path clip;
    static Path imageDir;
    static Map<String, BufferedImage> images = new HashMap<>();

    @BeforeAll
    static void start() throws IOException {
        spark = SparkSession.builder().master("local[2]").appName("tokenreduce-test")
                .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "localhost").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        clip = shared().resolve("fixtures/clip/tiny-vit-b16/hf");
        imageDir = Files.createDirectories(tmp.resolve("images"));
        Random rnd = new Random(3);
        for (int i = 0; i < 5; i++) {
            BufferedImage img = new BufferedImage(160 + 20 * i, 140, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            g.fillRect(0, 0, img.getWidth(), 140);
            g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            g.fillOval(rnd.nextInt(60), rnd.nextInt(40), 80, 80);
            g.dispose();
            String name = "img" + i + ".png";
            ImageIO.write(img, "png", imageDir.resolve(name).toFile());
            images.put(name, img);
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static Path shared() {
        String prop = System.getProperty("tokenreduce.shared");
        if (prop != null && Files.isDirectory(Paths.get(prop, "fixtures"))) {
            return Paths.get(prop);
        }
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolveSibling("shared").resolve("fixtures"))) {
                return p.resolveSibling("shared");
            }
        }
        throw new IllegalStateException("shared/fixtures not found; set -Dtokenreduce.shared");
    }

    /** id → bytes rows, plus one row of bytes that are no image and one null. */
    private static Dataset<Row> imageBytes() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(images.get("img" + i + ".png"), "png", b);
            rows.add(RowFactory.create("img" + i + ".png", b.toByteArray()));
        }
        rows.add(RowFactory.create("garbage", "not an image at all".getBytes()));
        rows.add(RowFactory.create("missing", null));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("content", DataTypes.BinaryType);
        return spark.createDataFrame(rows, schema).repartition(2);
    }

    private static Map<String, Row> byId(Dataset<Row> out, String idCol) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : out.collectAsList()) {
            m.put(r.getAs(idCol), r);
        }
        return m;
    }

    private static float[] vector(Row r, String col) {
        List<Float> v = r.getList(r.fieldIndex(col));
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": dimension");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-5, what + "[" + i + "]");
        }
    }

    /** The library's own embedding of the test images with {@code reducer} (null: unreduced). */
    private static Map<String, float[]> direct(TokenReducer reducer) throws IOException {
        try (ClipModel base = ClipModel.load(clip, Device.cpu())) {
            ClipModel m = reducer == null ? base : base.withReduction(Site.VISION_BLOCKS, TowerReduction.of(reducer));
            Map<String, float[]> out = new HashMap<>();
            for (Map.Entry<String, BufferedImage> e : images.entrySet()) {
                out.put(e.getKey(), m.embed(List.of(e.getValue()))[0]);
            }
            return out;
        }
    }

    @Test
    void imageBytesEqualTheLibraryAndBadRowsCarryAnError() throws IOException {
        Dataset<Row> out = new TokenReducedEmbedder().setModel(clip.toString()).setInputCol("content")
                .setMethod("tome").setLevel(8).setBatchSize(2).transform(imageBytes());
        assertEquals(DataTypes.createArrayType(DataTypes.FloatType, false), out.schema().apply("embedding").dataType());
        Map<String, Row> rows = byId(out, "id");
        assertEquals(7, rows.size());
        Map<String, float[]> want = direct(Levels.reducer("tome", Levels.visionSchedule(8), true));
        for (String id : want.keySet()) {
            assertNull(rows.get(id).getAs("embedding_error"), id);
            assertClose(want.get(id), vector(rows.get(id), "embedding"), id);
        }
        Row garbage = rows.get("garbage");
        assertNull(garbage.getAs("embedding"));
        assertTrue(((String) garbage.getAs("embedding_error")).contains("cannot be decoded"),
                (String) garbage.getAs("embedding_error"));
        assertEquals("input is null", rows.get("missing").getAs("embedding_error"));
    }

    /**
     * {@code engine=onnxruntime} embeds the images through the exported graph with the reduction inside:
     * the library's embeddings within 1e-4 in fp32 (not bit for bit: other kernels ran); a text model is
     * refused on the driver.
     */
    @Test
    void imagesOnOnnxRuntimeEqualTheLibrary() throws IOException {
        Dataset<Row> out = new TokenReducedEmbedder().setModel(clip.toString()).setInputCol("content")
                .setMethod("tome").setLevel(8).setBatchSize(2).setEngine("onnxruntime").transform(imageBytes());
        Map<String, Row> rows = byId(out, "id");
        Map<String, float[]> want = direct(Levels.reducer("tome", Levels.visionSchedule(8), true));
        double differs = 0;
        for (String id : want.keySet()) {
            float[] got = vector(rows.get(id), "embedding");
            for (int i = 0; i < got.length; i++) {
                assertEquals(want.get(id)[i], got[i], 1e-4, id + "[" + i + "]");
                differs = Math.max(differs, Math.abs(want.get(id)[i] - got[i]));
            }
        }
        assertTrue(differs > 0, "computed by ONNX Runtime's kernels, not the eager model's (last bits differ)");
        assertEquals("input is null", rows.get("missing").getAs("embedding_error"));
    }

    /**
     * {@code engine=onnxruntime} on a bundled sentence encoder embeds the texts through its exported
     * graph: the library's embeddings within 1e-4 (fp32, unreduced); MADTP, whose counts are per text,
     * is refused on the driver.
     */
    @Test
    void textsOnOnnxRuntimeEqualTheLibrary() throws IOException {
        List<String> texts = List.of("Token merging on a cluster.", "A second sentence, somewhat longer than the first.");
        Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("a", texts.get(0)),
                RowFactory.create("b", texts.get(1))), new StructType().add("id", DataTypes.StringType)
                .add("text", DataTypes.StringType));
        Map<String, Row> rows = byId(new TokenReducedEmbedder().setModel("all-minilm-l6-v2").setInputCol("text")
                .setEngine("onnxruntime").transform(in), "id");
        try (io.github.tokenreduce.djl.bert.SentenceEncoder e =
                io.github.tokenreduce.djl.bert.BundledEncoder.ALL_MINILM_L6_V2.load(ai.djl.Device.cpu())) {
            float[][] want = e.embed(texts);
            assertArrayEquals(want[0], vector(rows.get("a"), "embedding"), 1e-4f);
            assertArrayEquals(want[1], vector(rows.get("b"), "embedding"), 1e-4f);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenReducedEmbedder()
                .setModel("all-minilm-l6-v2").setInputCol("text").setEngine("onnxruntime").setMethod("madtp")
                .transform(in));
        assertTrue(e.getMessage().contains("per text"), e.getMessage());
    }

    @Test
    void imagePathsFromTheBinaryFileSourceAndTheScheduleFileIsHonoured() throws IOException {
        Path spec = tmp.resolve("schedule.json");
        ReducerSpec s = new ReducerSpec("crossget", Schedule.perLayer(12, 4), true, 1f);
        s.write(spec);
        Dataset<Row> files = spark.read().format("binaryFile").load(imageDir.toString()).select("path");
        Dataset<Row> out = new TokenReducedEmbedder().setModel(clip.toString()).setInputCol("path")
                .setScheduleFile(spec.toString()).setMethod("tome").transform(files);
        Map<String, float[]> want = direct(s.reducer());
        Map<String, float[]> plain = direct(null);
        double moved = 0;
        for (Row r : out.collectAsList()) {
            String name = Paths.get(java.net.URI.create(r.getAs("path"))).getFileName().toString();
            float[] got = vector(r, "embedding");
            assertClose(want.get(name), got, name + " with the schedule file's CrossGET");
            for (int i = 0; i < got.length; i++) {
                moved = Math.max(moved, Math.abs(got[i] - plain.get(name)[i]));
            }
        }
        assertEquals(5, out.count());
        assertTrue(moved > 1e-4, "the reduction changes the embeddings (max change " + moved + ")");
    }

    @Test
    void textsEqualTheSentenceEncoderWithTheirReduction() throws IOException {
        String longText = String.join(" ", java.util.Collections.nCopies(12,
                "Token merging removes redundant tokens between transformer blocks."));
        List<Row> rows = List.of(RowFactory.create(1, longText), RowFactory.create(2, "A short sentence."),
                RowFactory.create(3, "   "), RowFactory.create(4, longText + " And one more clause at the end."));
        // one partition, one batch: a keep-ratio schedule takes its counts from the batch's padded length,
        // so the rows must share their batch as they do in the direct call below
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("id", DataTypes.IntegerType)
                .add("text", DataTypes.StringType)).coalesce(1);
        Dataset<Row> out = new TokenReducedEmbedder().setModel("all-minilm-l6-v2").setInputCol("text")
                .setMethod("tome").setLevel(0.5).setOutputCol("vec").transform(in);
        Map<Integer, Row> got = new HashMap<>();
        out.collectAsList().forEach(r -> got.put(r.getAs("id"), r));
        try (SentenceEncoder e = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu())) {
            SentenceEncoder reduced = e.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(
                    Levels.reducer("tome", Levels.textSchedule(0.5), false)));
            float[][] want = reduced.embed(List.of(longText, "A short sentence.", longText
                    + " And one more clause at the end."));
            float[][] plain = e.embed(List.of(longText));
            assertClose(want[0], vector(got.get(1), "vec"), "text 1");
            assertClose(want[1], vector(got.get(2), "vec"), "text 2");
            assertClose(want[2], vector(got.get(4), "vec"), "text 4");
            double moved = 0;
            for (int i = 0; i < plain[0].length; i++) {
                moved = Math.max(moved, Math.abs(plain[0][i] - want[0][i]));
            }
            assertTrue(moved > 1e-4, "a 130-token text is reduced at keep 0.5 (max change " + moved + ")");
        }
        assertNull(got.get(3).getAs("vec"));
        assertEquals("input text is empty", got.get(3).getAs("embedding_error"));
    }

    @Test
    void textsOfAPartitionAreLengthBucketedAcrossBatches() throws IOException {
        String sentence = "Token merging removes redundant tokens between transformer blocks. ";
        String longText = sentence.repeat(12); // about 130 word pieces
        String shorter = sentence.repeat(7); // about 80: reduced, counted from its own length
        List<String> texts = List.of(longText, shorter, longText + "Again.", shorter + "Again.");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            rows.add(RowFactory.create(i, texts.get(i)));
        }
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("id", DataTypes.IntegerType)
                .add("text", DataTypes.StringType)).coalesce(1);
        Dataset<Row> out = new TokenReducedEmbedder().setModel("all-minilm-l6-v2").setInputCol("text")
                .setMethod("crossget").setLevel(0.5).setBatchSize(2).transform(in);
        Map<Integer, Row> got = new HashMap<>();
        out.collectAsList().forEach(r -> got.put(r.getAs("id"), r));
        try (SentenceEncoder e = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu())) {
            SentenceEncoder reduced = e.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(
                    Levels.reducer("crossget", Levels.textSchedule(0.5), false))).withBatchSize(2);
            float[][] bucketed = reduced.embed(texts); // batches {short, short}, {long, long}
            float[][] arrival = reduced.embed(texts.subList(0, 2)); // the batch {long, short} without the window
            for (int i = 0; i < texts.size(); i++) {
                assertClose(bucketed[i], vector(got.get(i), "embedding"), "text " + i);
            }
            double moved = 0;
            for (int k = 0; k < arrival[1].length; k++) {
                moved = Math.max(moved, Math.abs(arrival[1][k] - bucketed[1][k]));
            }
            assertTrue(moved < 1e-5, "batch-mates leave a reduced text's embedding as it is (max change " + moved + ")");
            float[] plain = e.embed(texts.subList(1, 2))[0];
            double reducedBy = 0;
            for (int k = 0; k < plain.length; k++) {
                reducedBy = Math.max(reducedBy, Math.abs(plain[k] - bucketed[1][k]));
            }
            assertTrue(reducedBy > 1e-4, "the reduction acts on the shorter text (max change " + reducedBy + ")");
        }
    }

    @Test
    void aMissingOrCorruptModelFailsOnTheDriver() throws IOException {
        Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("x".getBytes())),
                new StructType().add("content", DataTypes.BinaryType));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> new TokenReducedEmbedder()
                .setModel(tmp.resolve("no-such-model").toString()).setInputCol("content").transform(in));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Path corrupt = Files.createDirectories(tmp.resolve("corrupt"));
        Files.copy(clip.resolve("config.json"), corrupt.resolve("config.json"));
        Files.write(corrupt.resolve("model.safetensors"), new byte[] {12, 0, 0, 0, 0, 0, 0, 0, '{', '"', 'x'});
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new TokenReducedEmbedder()
                .setModel(corrupt.toString()).setInputCol("content").transform(in));
        assertTrue(bad.getMessage().contains("cannot use model") && bad.getMessage().contains("model.safetensors"),
                bad.getMessage());

        IllegalArgumentException wrongColumn = assertThrows(IllegalArgumentException.class,
                () -> new TokenReducedEmbedder().setModel("all-minilm-l6-v2").setInputCol("content").transform(in));
        assertTrue(wrongColumn.getMessage().contains("'content' is binary but text embeddings take string"),
                wrongColumn.getMessage());
        IllegalArgumentException noInput = assertThrows(IllegalArgumentException.class,
                () -> new TokenReducedEmbedder().setModel(clip.toString()).transform(in));
        assertTrue(noInput.getMessage().startsWith("inputCol: required but not set"), noInput.getMessage());
    }

    @Test
    void savesAndLoadsInAPipeline() throws IOException {
        TokenReducedEmbedder stage = new TokenReducedEmbedder().setModel(clip.toString()).setInputCol("content")
                .setMethod("madtp").setLevel(4).setBatchSize(3);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {stage}).fit(imageBytes());
        Path saved = tmp.resolve("pipeline");
        fitted.write().overwrite().save(saved.toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());
        TokenReducedEmbedder back = (TokenReducedEmbedder) loaded.stages()[0];
        assertEquals(stage.config(), back.config(), "every Param survives save and load");
        Map<String, Row> a = byId(fitted.transform(imageBytes()), "id");
        Map<String, Row> b = byId(loaded.transform(imageBytes()), "id");
        assertClose(vector(a.get("img2.png"), "embedding"), vector(b.get("img2.png"), "embedding"), "img2 after reload");
    }
}
