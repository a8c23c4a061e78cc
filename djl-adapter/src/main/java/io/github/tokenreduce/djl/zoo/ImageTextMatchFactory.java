package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.modality.cv.VisionLanguageInput;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.blip.BlipModel;
import io.github.tokenreduce.djl.blip.BlipOnnxExport;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.TemporaryGraph;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.BertTokenizer;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Criteria} for BLIP image-text matching, {@code VisionLanguageInput → Float}: the ITM
 * probability that the input's image and text match, with the method the {@code reduction}
 * argument names on the image tower and the linear layers in {@code precision}. The BERT
 * {@code tokenizer.json} is read from the model folder, or from the {@code tokenizer} argument;
 * texts are cut to {@code maxLength} word pieces (35 unless given, BLIP's retrieval setting). Images
 * are resized (shortest side), centre-cropped and normalised with CLIP's statistics, which BLIP
 * uses ({@link ClipImageProcessor}; BLIP itself resizes to a square without cropping, the same for
 * square images). {@code batchPredict} runs one batch.
 */
public final class ImageTextMatchFactory extends ServingFactory<VisionLanguageInput, Float> {

    /** A factory for {@code Criteria.optTranslatorFactory}. */
    public ImageTextMatchFactory() {
        super(VisionLanguageInput.class, Float.class);
    }

    @Override
    Translator<VisionLanguageInput, Float> build(Model model, Map<String, ?> arguments) throws TranslateException {
        ReductionArgument reduction = ReductionArgument.parse(arguments.get("reduction"));
        int maxLength = ServedModels.count(arguments, "maxLength", 2, 35);
        Path dir = Files.isDirectory(model.getModelPath()) ? model.getModelPath() : model.getModelPath().getParent();
        Path tokenizerPath = arguments.get("tokenizer") != null ? Paths.get(arguments.get("tokenizer").toString()) : dir;
        ServedModels.Served<BlipModel> eager = ServedModels.served(model, BlipModel.class, task());
        BlipModel blip = eager.model();
        BertTokenizer tokenizer;
        try {
            tokenizer = ServedModels.closeWith(model, BertTokenizer.load(tokenizerPath, maxLength));
        } catch (IOException e) {
            throw new TranslateException(task() + ": cannot read the tokenizer at " + tokenizerPath + ": "
                    + e.getMessage(), e);
        }
        ReducerSpec spec = reduction.visionSpec();
        TowerReduction vision = spec == null ? null : TowerReduction.of(spec.reducer());
        String what = "BLIP image-text matching, reduction " + (spec == null ? "none" : spec.toJson());
        TemporaryGraph<OnnxExport.Result> graph = ServedModels.onnxRuntime(model, eager, arguments, task(),
                path -> file -> BlipOnnxExport.exportItm(path, vision, maxLength, file, ortPrecision(arguments)),
                m -> like(m, blip.config().imageSize(), maxLength));
        if (graph != null) {
            model.setBlock(ReducibleBlock.of(in -> {
                Map<String, NDArray> feed = new LinkedHashMap<>();
                feed.put("pixels", in.get(0));
                feed.put("input_ids", padded(in.get(1), maxLength));
                feed.put("attention_mask", padded(in.get(2), maxLength));
                return new NDList(graph.run(feed, in.get(0).getManager()).get("itm_scores"));
            }, what + ", on ONNX Runtime"));
        } else {
            BlipModel precise = blip.withPrecision(ServedModels.precision(arguments));
            BlipModel served = vision == null ? precise : precise.withReduction(Site.VISION_BLOCKS, vision);
            model.setBlock(ReducibleBlock.of(in -> new NDList(served.itmScores(in.get(0),
                    new TextBatch(ServedModels.longRows(in.get(1)), ServedModels.longRows(in.get(2))))), what));
        }
        return new MatchTranslator(new ClipImageProcessor(blip.config().imageSize()), tokenizer);
    }

    /** The graph's precision: auto is fp32 here (the matching graph is exported in fp32; int8 is refused, naming why). */
    private static Precision ortPrecision(Map<String, ?> arguments) {
        Precision p = ServedModels.precision(arguments);
        return p == Precision.AUTO ? Precision.FP32 : p;
    }

    /** Example inputs of the matching graph: one pair at {@code size} pixels and {@code length} tokens. */
    private static Map<String, NDArray> like(NDManager m, int size, int length) {
        Map<String, NDArray> like = new LinkedHashMap<>();
        like.put("pixels", m.zeros(new Shape(1, 3, size, size)));
        like.put("input_ids", m.zeros(new Shape(1, length), DataType.INT64));
        like.put("attention_mask", m.zeros(new Shape(1, length), DataType.INT64));
        return like;
    }

    /** int64 rows [B, L] padded with 0 to [B, length] (the graph's fixed text length; the tokenizer cuts at it). */
    private static NDArray padded(NDArray rows, int length) {
        long b = rows.getShape().get(0);
        long l = rows.getShape().get(1);
        NDArray ids = rows.toType(DataType.INT64, false);
        return l == length ? ids : ids.concat(ids.getManager().zeros(new Shape(b, length - l), DataType.INT64), 1);
    }

    /** Pairs to pixels [B, 3, S, S], ids and mask [B, L]; scores [B] to one float each. */
    private static final class MatchTranslator extends BatchingTranslator<VisionLanguageInput, Float> {

        private final ClipImageProcessor processor;
        private final BertTokenizer tokenizer;

        MatchTranslator(ClipImageProcessor processor, BertTokenizer tokenizer) {
            this.processor = processor;
            this.tokenizer = tokenizer;
        }

        @Override
        public NDList batchProcessInput(TranslatorContext ctx, List<VisionLanguageInput> inputs) {
            NDManager m = ctx.getNDManager();
            NDList pixels = new NDList();
            List<String> texts = new ArrayList<>();
            for (VisionLanguageInput in : inputs) {
                if (in.getImage() == null || in.getText() == null) {
                    throw new IllegalArgumentException("input: image-text matching needs an image and a text "
                            + "(new VisionLanguageInput(image, text)), got " + (in.getImage() == null ? "no image" : "no text"));
                }
                pixels.add(processor.toTensor(m, in.getImage()));
                texts.add(in.getText());
            }
            TextBatch t = tokenizer.encode(texts);
            return new NDList(NDArrays.stack(pixels), m.create(t.ids()), m.create(t.mask()));
        }

        @Override
        public List<Float> batchProcessOutput(TranslatorContext ctx, NDList list) {
            List<Float> out = new ArrayList<>();
            for (float x : list.singletonOrThrow().toFloatArray()) {
                out.add(x);
            }
            return out;
        }
    }
}
