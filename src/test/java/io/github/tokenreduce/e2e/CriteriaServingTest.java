package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.VisionLanguageInput;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.github.tokenreduce.cli.data.Passages;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.blip.BlipModel;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipTokenizer;
import io.github.tokenreduce.djl.defaults.Defaults;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.BertTokenizer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.djl.vilt.ViltBatch;
import io.github.tokenreduce.djl.vilt.ViltImageProcessor;
import io.github.tokenreduce.djl.vilt.ViltModel;
import io.github.tokenreduce.djl.vit.VitModel;
import io.github.tokenreduce.djl.zoo.ImageClassificationFactory;
import io.github.tokenreduce.djl.zoo.ImageEmbeddingFactory;
import io.github.tokenreduce.djl.zoo.ImageTextMatchFactory;
import io.github.tokenreduce.djl.zoo.ReducibleBlock;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.zoo.TextEmbeddingFactory;
import io.github.tokenreduce.djl.zoo.VisualQuestionAnsweringFactory;
import io.github.tokenreduce.djl.zoo.ZeroShotClassificationFactory;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Our models served through DJL's own {@code Criteria}, {@code ZooModel} and {@code Predictor}: CLIP
 * image embeddings on every TorchScript fixture case (the archive as DJL loads it, and its state dict
 * behind a pending block), a bundled sentence encoder, and the errors for bad arguments and foreign
 * files. Each predictor equals our model called directly (whose fidelity to the reference code the
 * fixture tests check), with and without a method attached.
 */
class CriteriaServingTest {

    @TestFactory
    List<DynamicTest> servesClipImageEmbeddings() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("torchscript")) {
            tests.add(DynamicTest.dynamicTest("archive " + Fixtures.name(dir),
                    () -> imageEmbeddings(dir, base().optModelPath(dir.resolve("model.pt")))));
            tests.add(DynamicTest.dynamicTest("state dict " + Fixtures.name(dir),
                    () -> imageEmbeddings(dir, pending(base()).optModelPath(dir.resolve("state_dict.safetensors")))));
            tests.add(DynamicTest.dynamicTest("state dict on onnxruntime " + Fixtures.name(dir),
                    () -> imageEmbeddings(dir, pending(base()).optModelPath(dir.resolve("state_dict.safetensors"))
                            .optArgument("engine", "onnxruntime"))));
            tests.add(bad("archive on onnxruntime " + Fixtures.name(dir), base().optModelPath(dir.resolve("model.pt"))
                    .optArgument("engine", "onnxruntime"), "not a TorchScript archive"));
        }
        return tests;
    }

    private static Criteria.Builder<Image, float[]> base() {
        return Criteria.builder().setTypes(Image.class, float[].class).optEngine("PyTorch")
                .optTranslatorFactory(new ImageEmbeddingFactory());
    }

    private static <I, O> Criteria.Builder<I, O> pending(Criteria.Builder<I, O> b) {
        return b.optBlock(ReducibleBlock.pending()).optOption("hasParameter", "false");
    }

    private static void imageEmbeddings(Path dir, Criteria.Builder<Image, float[]> criteria) throws Exception {
        try (ClipModel clip = ClipModel.load(dir.resolve("model.pt"), Device.cpu());
                NDManager m = NDManager.newBaseManager()) {
            int size = clip.config().imageSize();
            List<Image> images = new ArrayList<>();
            NDList pixels = new NDList();
            for (int i = 0; i < 3; i++) {
                BufferedImage b = picture(size + 7 * i, size, i);
                images.add(ImageFactory.getInstance().fromImage(b));
                pixels.add(new ClipImageProcessor(size).toTensor(m, b));
            }
            NDArray batch = ai.djl.ndarray.NDArrays.stack(pixels);
            int r = (clip.config().visionTokens() - 1) / 4;
            ClipModel reduced = clip.withReduction(Site.VISION_BLOCKS,
                    TowerReduction.of(Defaults.visionSpec("crossget", (double) r, true).reducer()));
            float[][] plain = served(criteria, "none", images);
            float[][] cut = served(criteria, "crossget:" + r, images);
            assertRows(Tensors.rows(clip.imageFeatures(batch)), plain, "unreduced");
            assertRows(Tensors.rows(reduced.imageFeatures(batch)), cut, "crossget:" + r);
            assertFalse(java.util.Arrays.deepEquals(plain, cut), "the reduction argument changed nothing");
        }
    }

    /** batchPredict over {@code images}, checked against predict one by one. */
    private static <I> float[][] served(Criteria.Builder<I, float[]> criteria, String reduction, List<I> inputs)
            throws Exception {
        try (ZooModel<I, float[]> model = criteria.optArgument("reduction", reduction).build().loadModel();
                Predictor<I, float[]> p = model.newPredictor()) {
            float[][] batch = p.batchPredict(inputs).toArray(new float[0][]);
            assertRows(batch, new float[][] {p.predict(inputs.get(0))}, reduction + ": predict vs batchPredict row 0");
            return batch;
        }
    }

    private static void assertRows(float[][] expected, float[][] actual, String what) {
        for (int i = 0; i < actual.length; i++) {
            assertEquals(expected[i].length, actual[i].length, what + " row " + i);
            for (int j = 0; j < actual[i].length; j++) {
                assertEquals(expected[i][j], actual[i][j], 1e-4, what + " [" + i + ", " + j + "]");
            }
        }
    }

    /** A deterministic picture: colour gradients and a few rectangles. */
    private static BufferedImage picture(int w, int h, int seed) {
        Random rnd = new Random(seed);
        BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                b.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | (seed * 80 + x + y) & 0xff);
            }
        }
        java.awt.Graphics2D g = b.createGraphics();
        for (int k = 0; k < 4; k++) {
            g.setColor(new java.awt.Color(rnd.nextInt(0xffffff)));
            g.fillRect(rnd.nextInt(w), rnd.nextInt(h), 8 + rnd.nextInt(w / 2), 8 + rnd.nextInt(h / 2));
        }
        g.dispose();
        return b;
    }

    @TestFactory
    List<DynamicTest> servesClipZeroShotClassification(@TempDir Path tmp) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("torchscript")) {
            tests.add(DynamicTest.dynamicTest("zero-shot " + Fixtures.name(dir), () -> zeroShot(dir, tmp)));
        }
        return tests;
    }

    private static void zeroShot(Path dir, Path tmp) throws Exception {
        Path tokenizer = wordTokenizer(Fixtures.json(dir.resolve("fixture.json")), tmp.resolve(dir.getFileName() + ".json"));
        String[] labels = {"cat", "dog", "red car"};
        Criteria.Builder<VisionLanguageInput, Classifications> criteria = Criteria.builder()
                .setTypes(VisionLanguageInput.class, Classifications.class).optEngine("PyTorch")
                .optModelPath(dir.resolve("model.pt")).optArgument("tokenizer", tokenizer.toString())
                .optTranslatorFactory(new ZeroShotClassificationFactory());
        try (ClipModel clip = ClipModel.load(dir.resolve("model.pt"), Device.cpu());
                ClipTokenizer tok = ClipTokenizer.load(tokenizer, clip.config().context());
                NDManager m = NDManager.newBaseManager()) {
            int size = clip.config().imageSize();
            int r = (clip.config().visionTokens() - 1) / 4;
            String template = new VisionLanguageInput(null, labels).getHypothesisTemplate(); // DJL's default
            long[][][] prompts = new long[labels.length][][];
            for (int k = 0; k < labels.length; k++) {
                prompts[k] = tok.encode(List.of(template.replace("{}", labels[k])));
            }
            for (String reduction : List.of("none", "tome:" + r)) {
                ClipModel model = reduction.equals("none") ? clip : clip.withReduction(Site.VISION_BLOCKS,
                        TowerReduction.of(Defaults.visionSpec("tome", (double) r, true).reducer()));
                try (ZooModel<VisionLanguageInput, Classifications> zoo = criteria.optArgument("reduction", reduction)
                        .build().loadModel(); Predictor<VisionLanguageInput, Classifications> p = zoo.newPredictor()) {
                    for (int i = 0; i < 2; i++) {
                        BufferedImage b = picture(size, size + 9 * i, 10 + i);
                        Classifications c = p.predict(new VisionLanguageInput(ImageFactory.getInstance().fromImage(b),
                                labels));
                        float[] expected = model.classify(new ClipImageProcessor(size).toTensor(m, b).expandDims(0),
                                prompts).toFloatArray();

                        assertEquals(List.of(labels), c.getClassNames(), reduction + ": the labels in input order");
                        double sum = 0;
                        for (int k = 0; k < labels.length; k++) {
                            assertEquals(expected[k], c.getProbabilities().get(k), 1e-4, reduction + " image " + i
                                    + " " + labels[k]);
                            sum += c.getProbabilities().get(k);
                        }
                        assertEquals(1.0, sum, 1e-5, "probabilities sum to one");
                    }
                }
            }
        }
    }

    /**
     * A word-level {@code tokenizer.json} for a fixture's small vocabulary: a few words at ids 1..,
     * start and end of text at the ids {@code fixture.json} names.
     */
    static Path wordTokenizer(com.google.gson.JsonObject fixture, Path file) throws java.io.IOException {
        String[] words = {"This", "is", "a", "photo", "of", ".", "cat", "dog", "red", "car", "the", "on", "mat"};
        StringBuilder vocab = new StringBuilder("\"[UNK]\": 0");
        for (int i = 0; i < words.length; i++) {
            vocab.append(", \"").append(words[i]).append("\": ").append(i + 1);
        }
        long start = fixture.get("start_of_text").getAsLong();
        long end = fixture.get("end_of_text").getAsLong();
        vocab.append(", \"<|startoftext|>\": ").append(start).append(", \"<|endoftext|>\": ").append(end);
        String special = "{\"id\": %d, \"content\": \"%s\", \"single_word\": false, \"lstrip\": false, "
                + "\"rstrip\": false, \"normalized\": false, \"special\": true}";
        String json = "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": ["
                + String.format(java.util.Locale.ROOT, special, start, "<|startoftext|>") + ", "
                + String.format(java.util.Locale.ROOT, special, end, "<|endoftext|>") + "], \"normalizer\": null, "
                + "\"pre_tokenizer\": {\"type\": \"Whitespace\"}, \"post_processor\": null, \"decoder\": null, "
                + "\"model\": {\"type\": \"WordLevel\", \"vocab\": {" + vocab + "}, \"unk_token\": \"[UNK]\"}}";
        java.nio.file.Files.writeString(file, json);
        return file;
    }

    @TestFactory
    List<DynamicTest> servesBlipImageTextMatching(@TempDir Path tmp) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("blip")) {
            for (Path weights : Fixtures.weights(dir)) {
                tests.add(DynamicTest.dynamicTest("match " + Fixtures.name(dir) + "/" + weights.getFileName(),
                        () -> imageTextMatch(weights, tmp, "pytorch")));
                tests.add(DynamicTest.dynamicTest("match on onnxruntime " + Fixtures.name(dir) + "/"
                        + weights.getFileName(), () -> imageTextMatch(weights, tmp, "onnxruntime")));
            }
        }
        return tests;
    }

    /**
     * The served ITM probabilities against {@link BlipModel#itmScores} on the same pairs, unreduced and with
     * ToMe, on {@code engine} (onnxruntime: the matching graph exported with the reduction, texts padded to
     * its 35 tokens).
     */
    private static void imageTextMatch(Path weights, Path tmp, String engine) throws Exception {
        Path tokenizer = bertTokenizer(tmp.resolve("bert-tokenizer.json"));
        List<String> texts = List.of("a cat on the mat", "the red car", "a dog");
        Criteria.Builder<VisionLanguageInput, Float> criteria = pending(Criteria.builder()
                .setTypes(VisionLanguageInput.class, Float.class)).optEngine("PyTorch").optModelPath(weights)
                .optArgument("tokenizer", tokenizer.toString()).optArgument("engine", engine)
                .optTranslatorFactory(new ImageTextMatchFactory());
        try (BlipModel blip = BlipModel.load(weights, Device.cpu());
                BertTokenizer tok = BertTokenizer.load(tokenizer, 35); NDManager m = NDManager.newBaseManager()) {
            int size = blip.config().imageSize();
            int r = (blip.config().visionTokens() - 1) / 4;
            List<VisionLanguageInput> inputs = new ArrayList<>();
            NDList pixels = new NDList();
            for (int i = 0; i < texts.size(); i++) {
                BufferedImage b = picture(size, size, 20 + i);
                inputs.add(new VisionLanguageInput(ImageFactory.getInstance().fromImage(b), texts.get(i)));
                pixels.add(new ClipImageProcessor(size).toTensor(m, b));
            }
            NDArray batch = ai.djl.ndarray.NDArrays.stack(pixels);
            for (String reduction : List.of("none", "tome:" + r)) {
                BlipModel model = reduction.equals("none") ? blip : blip.withReduction(Site.VISION_BLOCKS,
                        TowerReduction.of(Defaults.visionSpec("tome", (double) r, true).reducer()));
                float[] expected = model.itmScores(batch, tok.encode(texts)).toFloatArray();
                try (ZooModel<VisionLanguageInput, Float> zoo = criteria.optArgument("reduction", reduction).build()
                        .loadModel(); Predictor<VisionLanguageInput, Float> p = zoo.newPredictor()) {
                    List<Float> scores = p.batchPredict(inputs);
                    for (int i = 0; i < texts.size(); i++) {
                        assertEquals(expected[i], scores.get(i), 1e-4, reduction + " pair " + i);
                    }
                    assertEquals(expected[0], p.predict(inputs.get(0)), 1e-4, reduction + ": predict vs batchPredict");
                }
            }
        }
    }

    /** A BERT WordPiece {@code tokenizer.json} with the special ids of the BLIP fixtures ([CLS] 101, [SEP] 102). */
    static Path bertTokenizer(Path file) throws java.io.IOException {
        String[] words = {"a", "cat", "on", "the", "mat", "red", "car", "dog"};
        StringBuilder vocab = new StringBuilder("\"[PAD]\": 0, \"[UNK]\": 100, \"[CLS]\": 101, \"[SEP]\": 102");
        for (int i = 0; i < words.length; i++) {
            vocab.append(", \"").append(words[i]).append("\": ").append(200 + i);
        }
        String special = "{\"id\": %d, \"content\": \"%s\", \"single_word\": false, \"lstrip\": false, "
                + "\"rstrip\": false, \"normalized\": false, \"special\": true}";
        String cls = "{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}";
        String sep = "{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 0}}";
        String a = "{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}";
        String bSeq = "{\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}";
        String json = "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": ["
                + String.format(java.util.Locale.ROOT, special, 0, "[PAD]") + ", "
                + String.format(java.util.Locale.ROOT, special, 100, "[UNK]") + ", "
                + String.format(java.util.Locale.ROOT, special, 101, "[CLS]") + ", "
                + String.format(java.util.Locale.ROOT, special, 102, "[SEP]") + "], "
                + "\"normalizer\": {\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\": true, "
                + "\"strip_accents\": null, \"lowercase\": true}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, "
                + "\"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [" + cls + ", " + a + ", " + sep
                + "], \"pair\": [" + cls + ", " + a + ", " + sep + ", " + bSeq + ", " + sep + "], \"special_tokens\": {"
                + "\"[CLS]\": {\"id\": \"[CLS]\", \"ids\": [101], \"tokens\": [\"[CLS]\"]}, "
                + "\"[SEP]\": {\"id\": \"[SEP]\", \"ids\": [102], \"tokens\": [\"[SEP]\"]}}}, \"decoder\": null, "
                + "\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\", "
                + "\"max_input_chars_per_word\": 100, \"vocab\": {" + vocab + "}}}";
        java.nio.file.Files.writeString(file, json);
        return file;
    }

    @Test
    void servesABundledSentenceEncoder(@TempDir Path empty) throws Exception {
        List<Passages.Passage> ps = Passages.read(Fixtures.shared().resolve("data/sotu/sotu_passages300.jsonl"));
        List<String> texts = List.of(ps.get(3).text(), ps.get(11).text(), "A short sentence.");
        Criteria.Builder<String, float[]> criteria = pending(Criteria.builder().setTypes(String.class, float[].class))
                .optModelPath(empty).optEngine("PyTorch").optArgument("model", "all-minilm-l6-v2")
                .optTranslatorFactory(new TextEmbeddingFactory());
        try (SentenceEncoder e = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu())) {
            float[][] plain = served(criteria, "none", texts);
            float[][] cut = served(criteria, "crossget:0.5", texts);
            assertRows(e.embed(texts), plain, "unreduced");
            assertRows(e.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(BundledEncoder.ALL_MINILM_L6_V2.reductionSpec("crossget", 0.5).reducer())).embed(texts), cut, "crossget:0.5");
            assertFalse(java.util.Arrays.equals(plain[0], cut[0]), "the reduction changed nothing on a long text");
        }
    }

    /**
     * {@code engine=onnxruntime}: the bundled encoder's exported graph serves the same embeddings as the
     * eager model unreduced (chunking, pooling, normalising as before), and with a method what the
     * library's own ONNX Runtime encoder of that method gives; bad engine arguments are named.
     */
    @Test
    void servesABundledSentenceEncoderOnOnnxRuntime(@TempDir Path empty) throws Throwable {
        List<Passages.Passage> ps = Passages.read(Fixtures.shared().resolve("data/sotu/sotu_passages300.jsonl"));
        List<String> texts = List.of(ps.get(3).text(), ps.get(11).text(), "A short sentence.");
        int[] lengths = {16, 64, 512};
        Criteria.Builder<String, float[]> criteria = pending(Criteria.builder().setTypes(String.class, float[].class))
                .optModelPath(empty).optEngine("PyTorch").optArgument("model", "all-minilm-l6-v2")
                .optArgument("engine", "onnxruntime").optArgument("lengths", "16,64,512").optArgument("batchSize", "2")
                .optTranslatorFactory(new TextEmbeddingFactory());
        TowerReduction crossget = TowerReduction.of(BundledEncoder.ALL_MINILM_L6_V2.reductionSpec("crossget", 0.5)
                .reducer());
        try (SentenceEncoder e = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu());
                OnnxRuntimeSentenceEncoder graph = OnnxRuntimeSentenceEncoder.open(BundledEncoder.ALL_MINILM_L6_V2,
                        crossget, Precision.FP32, lengths, 4)) {
            float[][] plain = served(criteria, "none", texts);
            float[][] cut = served(criteria, "crossget:0.5", texts);
            assertRows(e.embed(texts), plain, "unreduced on onnxruntime");
            assertRows(graph.embed(texts), cut, "crossget:0.5 on onnxruntime");
            assertFalse(java.util.Arrays.equals(plain[0], cut[0]), "the reduction changed nothing on a long text");
        }
        Criteria.Builder<String, float[]> folder = pending(Criteria.builder().setTypes(String.class, float[].class))
                .optModelPath(empty).optEngine("PyTorch").optArgument("engine", "onnxruntime")
                .optTranslatorFactory(new TextEmbeddingFactory());
        // one at a time: the builder keeps each argument set on it
        bad("no bundled model", folder, "engine onnxruntime exports a bundled encoder").getExecutable().execute();
        bad("decreasing lengths", criteria.optArgument("lengths", "64,32"), "lengths: expected increasing")
                .getExecutable().execute();
        bad("unknown engine", criteria.optArgument("lengths", "16").optArgument("engine", "tensorrt"),
                "engine: expected pytorch or onnxruntime, got 'tensorrt'").getExecutable().execute();
    }

    @TestFactory
    List<DynamicTest> servesVitImageClassification(@TempDir Path tmp) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vit-tome")) {
            for (Path weights : Fixtures.weights(dir)) {
                String name = Fixtures.name(dir) + "/" + weights.getFileName();
                tests.add(DynamicTest.dynamicTest("classify " + name,
                        () -> imageClassification(weights, weights, HALF, HALF, "pytorch")));
                tests.add(DynamicTest.dynamicTest("classify on onnxruntime " + name,
                        () -> imageClassification(weights, weights, HALF, HALF, "onnxruntime")));
                tests.add(DynamicTest.dynamicTest("classify with preprocessor_config.json " + name, () -> {
                    Path copy = java.nio.file.Files.createDirectories(tmp.resolve(Fixtures.name(dir).replace(':', '-')
                            + "-" + weights.getFileName()));
                    for (Path f : List.of(weights.resolve("model.safetensors"), weights.resolve("config.json"))) {
                        if (java.nio.file.Files.isRegularFile(f)) {
                            java.nio.file.Files.copy(f, copy.resolve(f.getFileName()));
                        }
                    }
                    java.nio.file.Files.writeString(copy.resolve("preprocessor_config.json"),
                            "{\"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225]}");
                    imageClassification(copy, weights, new float[] {0.485f, 0.456f, 0.406f},
                            new float[] {0.229f, 0.224f, 0.225f}, "pytorch");
                }));
            }
        }
        return tests;
    }

    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    /**
     * The served classifier at {@code served} against {@link VitModel#classify} of the weights at
     * {@code weights} on the same pictures preprocessed with {@code mean} and {@code std}: the same
     * probabilities (softmax of the logits), classes best first in the logits' order, names from
     * {@code id2label} or the index; tome:8 equals the reduced model and differs from the plain one. On
     * {@code engine} (pytorch, or onnxruntime: the model exported with its reduction, run by ONNX Runtime).
     */
    private static void imageClassification(Path served, Path weights, float[] mean, float[] std, String engine)
            throws Exception {
        Criteria.Builder<Image, Classifications> criteria = pending(Criteria.builder()
                .setTypes(Image.class, Classifications.class)).optEngine("PyTorch").optModelPath(served)
                .optArgument("topK", "3").optArgument("engine", engine)
                .optTranslatorFactory(new ImageClassificationFactory());
        try (VitModel vit = VitModel.load(weights, Device.cpu()); NDManager m = NDManager.newBaseManager()) {
            int size = vit.config().imageSize();
            int classes = vit.config().classes();
            List<Image> images = new ArrayList<>();
            NDList pixels = new NDList();
            for (int i = 0; i < 3; i++) {
                BufferedImage b = picture(size + 11 * i, size, 30 + i);
                images.add(ImageFactory.getInstance().fromImage(b));
                pixels.add(new ClipImageProcessor(size, mean, std).toTensor(m, b));
            }
            NDArray batch = ai.djl.ndarray.NDArrays.stack(pixels);
            boolean hf = java.nio.file.Files.isRegularFile(weights.resolve("config.json"));
            List<Double> first = null;
            for (String reduction : List.of("none", "tome:8")) {
                VitModel model = reduction.equals("none") ? vit : vit.withReduction(Site.VISION_BLOCKS,
                        TowerReduction.of(Defaults.visionSpec("tome", 8.0, true).reducer()));
                VitModel.Classification expected = model.classify(batch);
                assertEquals(reduction.equals("none") ? 197 : 165,
                        expected.tokensPerLayer()[expected.tokensPerLayer().length - 1], "tokens after the last block");
                float[][] logits = Tensors.rows(expected.logits());
                try (ZooModel<Image, Classifications> zoo = criteria.optArgument("reduction", reduction).build()
                        .loadModel(); Predictor<Image, Classifications> p = zoo.newPredictor()) {
                    List<Classifications> out = p.batchPredict(images);
                    for (int i = 0; i < images.size(); i++) {
                        Classifications c = out.get(i);
                        double[] softmax = softmax(logits[i]);
                        assertEquals(classes, c.getClassNames().size(), reduction + " image " + i + ": classes");
                        for (int k = 0; k < classes; k++) {
                            assertEquals(hf ? "LABEL_" + k : Integer.toString(k), c.getClassNames().get(k),
                                    reduction + ": class " + k + "'s name");
                            assertEquals(softmax[k], c.getProbabilities().get(k), 1e-4, reduction + " image " + i
                                    + " class " + k);
                        }
                        List<Classifications.Classification> top = c.topK(classes);
                        for (int k = 1; k < classes; k++) {
                            int a = Integer.parseInt(top.get(k - 1).getClassName().replace("LABEL_", ""));
                            int b = Integer.parseInt(top.get(k).getClassName().replace("LABEL_", ""));
                            assertTrue(logits[i][a] >= logits[i][b], reduction + " image " + i + ": rank " + k
                                    + " is class " + b + " after class " + a + ", but its logit is larger");
                        }
                        assertEquals(3, c.topK().size(), "topK argument");
                    }
                    List<Double> one = p.predict(images.get(0)).getProbabilities();
                    for (int k = 0; k < classes; k++) {
                        assertEquals(out.get(0).getProbabilities().get(k), one.get(k), 1e-5,
                                reduction + ": predict vs batchPredict, class " + k);
                    }
                    if (first == null) {
                        first = out.get(0).getProbabilities();
                    } else {
                        assertFalse(first.equals(out.get(0).getProbabilities()), "tome:8 changed nothing");
                    }
                }
            }
        }
    }

    private static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        double[] out = new double[logits.length];
        for (int k = 0; k < logits.length; k++) {
            out[k] = Math.exp(logits[k] - max);
            sum += out[k];
        }
        for (int k = 0; k < logits.length; k++) {
            out[k] /= sum;
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> refusesBadClassifierArguments(@TempDir Path tmp) throws java.io.IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vit-tome")) {
            Path hf = dir.resolve("hf");
            java.util.function.Supplier<Criteria.Builder<Image, Classifications>> vit = () -> pending(Criteria.builder()
                    .setTypes(Image.class, Classifications.class)).optEngine("PyTorch").optModelPath(hf)
                    .optTranslatorFactory(new ImageClassificationFactory());
            String n = Fixtures.name(dir);
            tests.add(bad("classifier engine " + n, vit.get().optArgument("engine", "tensorrt"),
                    "engine: expected pytorch or onnxruntime, got 'tensorrt'"));
            tests.add(bad("classifier onnxruntime in bf16 " + n, vit.get().optArgument("engine", "onnxruntime")
                    .optArgument("precision", "bf16"), "ONNX Runtime runs fp32, int8 or auto"));
            tests.add(bad("classifier unknown method " + n, vit.get().optArgument("reduction", "merge:8"),
                    "unknown method 'merge'"));
            tests.add(bad("classifier fractional r " + n, vit.get().optArgument("reduction", "tome:0.5"),
                    "whole number r"));
            tests.add(bad("classifier precision " + n, vit.get().optArgument("precision", "fp8"),
                    "expected fp32, bf16, int8 or auto, got 'fp8'"));
            tests.add(bad("classifier topK " + n, vit.get().optArgument("topK", "0"),
                    "topK: expected a whole number >= 1, got '0'"));
            Path broken = java.nio.file.Files.createDirectories(tmp.resolve(n.replace(':', '-')));
            java.nio.file.Files.copy(hf.resolve("model.safetensors"), broken.resolve("model.safetensors"));
            java.nio.file.Files.copy(hf.resolve("config.json"), broken.resolve("config.json"));
            java.nio.file.Files.writeString(broken.resolve("preprocessor_config.json"), "{\"image_mean\": [0.5, 0.5]}");
            tests.add(bad("classifier preprocessor_config " + n, vit.get().optModelPath(broken),
                    "image_mean must be three numbers (RGB), got [0.5,0.5]"));
        }
        for (Path dir : Fixtures.cases("torchscript")) {
            tests.add(bad("CLIP archive for the classifier " + Fixtures.name(dir), Criteria.builder()
                    .setTypes(Image.class, Classifications.class).optEngine("PyTorch")
                    .optModelPath(dir.resolve("model.pt")).optTranslatorFactory(new ImageClassificationFactory()),
                    "was recognised as clip, but this factory serves VitModel models"));
        }
        return tests;
    }

    /**
     * ViLT VQA through Criteria on the vilt fixture (unreduced and ToMe) and on every vilt-pumer case
     * (PuMer at the case's layers and ratios): the served answers equal the sigmoid of
     * {@link ViltModel#vqaLogits} on the same preprocessed, padded batch, named by {@code id2label}.
     */
    @TestFactory
    List<DynamicTest> servesViltQuestionAnswering(@TempDir Path tmp) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vilt")) {
            for (Path weights : Fixtures.weights(dir)) {
                tests.add(DynamicTest.dynamicTest("vqa " + Fixtures.name(dir) + "/" + weights.getFileName(),
                        () -> questionAnswering(weights, tmp, List.of("none", "tome:48"), null, null)));
            }
        }
        for (Path dir : Fixtures.cases("vilt-pumer")) {
            com.google.gson.JsonObject cases = Fixtures.json(dir.resolve("fixture.json")).getAsJsonObject("cases");
            for (Path weights : Fixtures.weights(dir)) {
                for (String name : cases.keySet()) {
                    com.google.gson.JsonObject spec = cases.getAsJsonObject(name).getAsJsonObject("spec");
                    StringBuilder layers = new StringBuilder();
                    spec.getAsJsonArray("reduce_layers").forEach(l -> layers.append(layers.length() == 0 ? "" : ",")
                            .append(l.getAsInt()));
                    String ratios = spec.get("prune_r").getAsDouble() + "," + spec.get("merge_r").getAsDouble() + ","
                            + spec.get("merge_text").getAsDouble();
                    tests.add(DynamicTest.dynamicTest("vqa pumer " + name + " " + Fixtures.name(dir) + "/"
                            + weights.getFileName(), () -> questionAnswering(weights, tmp, List.of("none", "pumer"),
                                    layers.toString(), ratios)));
                }
            }
        }
        return tests;
    }

    private static void questionAnswering(Path weights, Path tmp, List<String> reductions, String layers, String ratios)
            throws Exception {
        Path tokenizer = bertTokenizer(tmp.resolve("vilt-tokenizer.json"));
        List<String> questions = List.of("a cat on the mat", "the red car", "a dog");
        Criteria.Builder<VisionLanguageInput, Classifications> criteria = pending(Criteria.builder()
                .setTypes(VisionLanguageInput.class, Classifications.class)).optEngine("PyTorch").optModelPath(weights)
                .optArgument("tokenizer", tokenizer.toString()).optTranslatorFactory(new VisualQuestionAnsweringFactory());
        if (layers != null) {
            criteria = criteria.optArgument("pumerLayers", layers).optArgument("pumerRatios", ratios);
        }
        com.google.gson.JsonObject id2label = Fixtures.json(weights.resolve("config.json")).getAsJsonObject("id2label");
        try (ViltModel vilt = ViltModel.load(weights, Device.cpu()); BertTokenizer tok = BertTokenizer.load(tokenizer,
                vilt.config().maxText()); NDManager m = NDManager.newBaseManager()) {
            List<VisionLanguageInput> inputs = new ArrayList<>();
            List<BufferedImage> images = new ArrayList<>();
            for (int i = 0; i < questions.size(); i++) {
                BufferedImage b = picture(96 + 32 * i, 96, 40 + i); // different sizes: the batch is padded
                images.add(b);
                inputs.add(new VisionLanguageInput(ImageFactory.getInstance().fromImage(b), questions.get(i)));
            }
            ViltImageProcessor.Padded padded = new ViltImageProcessor(vilt.config().grid() * vilt.config().patch())
                    .batch(m, images);
            ViltBatch batch = new ViltBatch(tok.encode(questions), padded.pixels(), padded.pixelMask());
            float[] plain = null;
            for (String reduction : reductions) {
                ViltModel model = vilt;
                if (reduction.startsWith("tome:")) {
                    model = vilt.withReduction(Site.FUSION, TowerReduction.of(Defaults.visionSpec("tome",
                            Double.valueOf(reduction.substring(5)), true).reducer()));
                } else if (reduction.equals("pumer")) {
                    String[] r = ratios.split(",");
                    model = vilt.withReduction(Site.FUSION, TowerReduction.of(PumerReducer.builder()
                            .layers(java.util.Arrays.stream(layers.split(",")).mapToInt(Integer::parseInt).toArray())
                            .pruneRatio(Double.parseDouble(r[0])).mergeRatio(Double.parseDouble(r[1]))
                            .textMergeRatio(Double.parseDouble(r[2])).build()));
                }
                float[][] logits = Tensors.rows(model.vqaLogits(batch));
                try (ZooModel<VisionLanguageInput, Classifications> zoo = criteria.optArgument("reduction", reduction)
                        .build().loadModel(); Predictor<VisionLanguageInput, Classifications> p = zoo.newPredictor()) {
                    List<Classifications> out = p.batchPredict(inputs);
                    for (int i = 0; i < questions.size(); i++) {
                        List<Double> probs = out.get(i).getProbabilities();
                        assertEquals(logits[i].length, probs.size(), reduction + " question " + i + ": answers");
                        for (int k = 0; k < logits[i].length; k++) {
                            assertEquals(1 / (1 + Math.exp(-logits[i][k])), probs.get(k), 1e-4, reduction
                                    + " question " + i + " answer " + k);
                            assertEquals(id2label.get(Integer.toString(k)).getAsString(),
                                    out.get(i).getClassNames().get(k), "answer " + k + "'s name");
                        }
                    }
                    float[] first = new float[logits[0].length];
                    for (int k = 0; k < first.length; k++) {
                        first[k] = out.get(0).getProbabilities().get(k).floatValue();
                    }
                    if (plain == null) {
                        plain = first;
                    } else {
                        assertFalse(java.util.Arrays.equals(plain, first), reduction + " changed nothing");
                    }
                }
            }
        }
    }

    @TestFactory
    List<DynamicTest> refusesBadQuestionAnsweringArguments() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vilt")) {
            Path hf = dir.resolve("hf");
            java.util.function.Supplier<Criteria.Builder<VisionLanguageInput, Classifications>> vqa = () -> pending(
                    Criteria.builder().setTypes(VisionLanguageInput.class, Classifications.class)).optEngine("PyTorch")
                    .optModelPath(hf).optTranslatorFactory(new VisualQuestionAnsweringFactory());
            String n = Fixtures.name(dir);
            tests.add(bad("vqa pumer default layers on a shallow model " + n, vqa.get().optArgument("reduction", "pumer"),
                    "got '2,5,8' (PuMer's default); give pumerLayers"));
            tests.add(bad("vqa pumer layer out of range " + n, vqa.get().optArgument("reduction", "pumer")
                    .optArgument("pumerLayers", "0,9"), "pumerLayers: expected increasing layer indices in [0, "));
            tests.add(bad("vqa pumer ratios " + n, vqa.get().optArgument("reduction", "pumer")
                    .optArgument("pumerLayers", "0").optArgument("pumerRatios", "0.1,0.3"),
                    "pumerRatios: expected three numbers"));
            tests.add(bad("vqa unknown method " + n, vqa.get().optArgument("reduction", "fastv:8"),
                    "unknown method 'fastv'"));
        }
        for (Path dir : Fixtures.cases("vit-tome")) {
            tests.add(bad("ViT weights for VQA " + Fixtures.name(dir), pending(Criteria.builder()
                    .setTypes(VisionLanguageInput.class, Classifications.class)).optEngine("PyTorch")
                    .optModelPath(dir.resolve("hf")).optTranslatorFactory(new VisualQuestionAnsweringFactory()),
                    "was recognised as vit, but this factory serves ViltModel models"));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> refusesBadArgumentsAndForeignFiles() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("torchscript")) {
            Path archive = dir.resolve("model.pt");
            tests.add(bad("unknown method " + Fixtures.name(dir), base().optModelPath(archive)
                    .optArgument("reduction", "fastmerge:16"), "unknown method 'fastmerge'"));
            tests.add(bad("level not a number " + Fixtures.name(dir), base().optModelPath(archive)
                    .optArgument("reduction", "tome:lots"), "no number after the colon"));
            tests.add(bad("fractional vision level " + Fixtures.name(dir), base().optModelPath(archive)
                    .optArgument("reduction", "tome:0.5"), "whole number r"));
            tests.add(bad("precision " + Fixtures.name(dir), base().optModelPath(archive)
                    .optArgument("precision", "fp16"), "expected fp32, bf16, int8 or auto, got 'fp16'"));
            tests.add(bad("normalize " + Fixtures.name(dir), base().optModelPath(archive)
                    .optArgument("normalize", "yes"), "normalize: expected true or false"));
            tests.add(bad("foreign tensors " + Fixtures.name(dir), pending(base())
                    .optModelPath(dir.resolve("inputs.safetensors")), "belong to no known family"));
            tests.add(bad("archive for a sentence encoder " + Fixtures.name(dir),
                    Criteria.builder().setTypes(String.class, float[].class).optEngine("PyTorch")
                            .optModelPath(archive).optTranslatorFactory(new TextEmbeddingFactory()),
                    "but the model's block is ai.djl.pytorch.engine.PtSymbolBlock"));
        }
        return tests;
    }

    private static DynamicTest bad(String name, Criteria.Builder<?, ?> criteria, String expected) {
        return DynamicTest.dynamicTest(name, () -> {
            Exception e = assertThrows(Exception.class, () -> criteria.build().loadModel().close());
            String all = e + (e.getCause() == null ? "" : " / " + e.getCause());
            assertTrue(all.contains(expected), "expected '" + expected + "' in: " + all);
        });
    }
}
