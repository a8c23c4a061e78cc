package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.VisionLanguageInput;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.BertTokenizer;
import io.github.tokenreduce.djl.text.TextBatch;
import io.github.tokenreduce.djl.vilt.ViltBatch;
import io.github.tokenreduce.djl.vilt.ViltConfig;
import io.github.tokenreduce.djl.vilt.ViltImageProcessor;
import io.github.tokenreduce.djl.vilt.ViltModel;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code Criteria} for ViLT visual question answering, {@code VisionLanguageInput → Classifications}:
 * the input's image and question (its text) through ViLT's single-stream encoder and VQA head, as
 * per-answer probabilities (sigmoid: ViLT's VQA head is trained multi-label), named by
 * {@code config.json}'s {@code id2label} when present, else the answer index; {@code topK} (5
 * unless given) is how many {@code toString}/{@code toJson} show. The {@code reduction} argument
 * attaches a method at the encoder's one site ({@link Site#FUSION}): {@code pumer} (PuMer) at the
 * layers {@code pumerLayers} lists (comma-separated, 2,5,8 unless given) with the prune, image merge
 * and text merge ratios {@code pumerRatios} lists (0.1,0.3,0.2 unless given: the released setting),
 * or a method of {@link ReductionArgument}; linear layers in {@code precision}.
 * The BERT {@code tokenizer.json} is read from the model folder or the {@code tokenizer} argument;
 * questions are cut to the model's text positions. Images are prepared as Hugging Face's
 * {@code ViltImageProcessor} does ({@link ViltImageProcessor}, shorter side the model's image size)
 * and padded per batch with a pixel mask; {@code batchPredict} runs one batch.
 */
public final class VisualQuestionAnsweringFactory extends ServingFactory<VisionLanguageInput, Classifications> {

    /** A factory for {@code Criteria.optTranslatorFactory}. */
    public VisualQuestionAnsweringFactory() {
        super(VisionLanguageInput.class, Classifications.class);
    }

    @Override
    Translator<VisionLanguageInput, Classifications> build(Model model, Map<String, ?> arguments)
            throws TranslateException {
        Object value = arguments.get("reduction");
        boolean pumer = value != null && value.toString().trim().toLowerCase(Locale.ROOT).equals("pumer");
        ReducerSpec spec = pumer ? null : ReductionArgument.parse(value).visionSpec();
        int topK = ServedModels.count(arguments, "topK", 1, 5);
        Path dir = Files.isDirectory(model.getModelPath()) ? model.getModelPath() : model.getModelPath().getParent();
        Path tokenizerPath = arguments.get("tokenizer") != null ? Paths.get(arguments.get("tokenizer").toString()) : dir;
        ViltModel vilt = ServedModels.stateDict(model, ViltModel.class, task())
                .withPrecision(ServedModels.precision(arguments));
        ViltConfig c = vilt.config();
        TokenReducer reducer = pumer ? pumer(arguments.get("pumerLayers"), arguments.get("pumerRatios"), c.layers())
                : spec == null ? null : spec.reducer();
        ViltModel served = reducer == null ? vilt : vilt.withReduction(Site.FUSION, TowerReduction.of(reducer));
        BertTokenizer tokenizer;
        try {
            tokenizer = ServedModels.closeWith(model, BertTokenizer.load(tokenizerPath, c.maxText()));
        } catch (IOException e) {
            throw new TranslateException(task() + ": cannot read the tokenizer at " + tokenizerPath + ": "
                    + e.getMessage(), e);
        }
        model.setBlock(ReducibleBlock.of(in -> new NDList(ai.djl.nn.Activation.sigmoid(served.vqaLogits(new ViltBatch(
                new TextBatch(ServedModels.longRows(in.get(1)), ServedModels.longRows(in.get(2)),
                        ServedModels.longRows(in.get(3))), in.get(0), in.get(4))))),
                "ViLT visual question answering, reduction " + (reducer == null ? "none" : reducer)));
        return new VqaTranslator(new ViltImageProcessor(c.grid() * c.patch()), tokenizer, c.labels(), topK);
    }

    /** PuMer at {@code layers} (comma-separated; 2,5,8 when null) with {@code ratios} (prune,merge,text; 0.1,0.3,0.2). */
    private static TokenReducer pumer(Object layers, Object ratios, int depth) {
        String list = layers == null ? "2,5,8" : layers.toString();
        int[] at = ServedModels.increasing(list, 0, depth);
        if (at == null) {
            throw new IllegalArgumentException("pumerLayers: expected increasing layer indices in [0, " + depth
                    + ") for this " + depth + "-layer ViLT, comma-separated, got '" + list + "'"
                    + (layers == null ? " (PuMer's default); give pumerLayers" : ""));
        }
        String r = ratios == null ? "0.1,0.3,0.2" : ratios.toString();
        String[] rs = r.split(",", -1);
        double[] v = new double[3];
        try {
            if (rs.length != 3) {
                throw new NumberFormatException();
            }
            for (int i = 0; i < 3; i++) {
                v[i] = Double.parseDouble(rs[i].trim());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pumerRatios: expected three numbers prune,merge,text such as "
                    + "0.1,0.3,0.2, got '" + r + "'");
        }
        return PumerReducer.builder().layers(at).pruneRatio(v[0]).mergeRatio(v[1]).textMergeRatio(v[2]).build();
    }

    /** Pairs to pixels [B, 3, H, W], ids, mask, types [B, L] and pixel mask [B, H, W]; probabilities to answers. */
    private static final class VqaTranslator extends BatchingTranslator<VisionLanguageInput, Classifications> {

        private final ViltImageProcessor processor;
        private final BertTokenizer tokenizer;
        private final List<String> labels;
        private final int topK;

        VqaTranslator(ViltImageProcessor processor, BertTokenizer tokenizer, List<String> labels, int topK) {
            this.processor = processor;
            this.tokenizer = tokenizer;
            this.labels = labels;
            this.topK = topK;
        }

        @Override
        public NDList batchProcessInput(TranslatorContext ctx, List<VisionLanguageInput> inputs) {
            NDManager m = ctx.getNDManager();
            List<BufferedImage> images = new ArrayList<>();
            List<String> questions = new ArrayList<>();
            for (VisionLanguageInput in : inputs) {
                if (in.getImage() == null || in.getText() == null) {
                    throw new IllegalArgumentException("input: visual question answering needs an image and a question "
                            + "(new VisionLanguageInput(image, question)), got " + (in.getImage() == null ? "no image"
                            : "no question"));
                }
                if (!(in.getImage().getWrappedImage() instanceof BufferedImage b)) {
                    throw new IllegalArgumentException("image: expected a BufferedImage-backed DJL Image but got "
                            + in.getImage().getWrappedImage().getClass().getName());
                }
                images.add(b);
                questions.add(in.getText());
            }
            ViltImageProcessor.Padded p = processor.batch(m, images);
            TextBatch t = tokenizer.encode(questions);
            return new NDList(p.pixels(), m.create(t.ids()), m.create(t.mask()), m.create(t.types()), p.pixelMask());
        }

        @Override
        public List<Classifications> batchProcessOutput(TranslatorContext ctx, NDList list) {
            return ServedModels.classifications(list.singletonOrThrow(), labels, topK);
        }
    }
}
