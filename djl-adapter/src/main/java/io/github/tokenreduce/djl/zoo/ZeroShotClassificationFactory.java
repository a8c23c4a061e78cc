package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.VisionLanguageInput;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipTokenizer;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code Criteria} for CLIP zero-shot classification, {@code VisionLanguageInput → Classifications}:
 * the image against its candidate labels, each put into the input's hypothesis template (DJL's
 * default unless set, {@code "This is a photo of {}."}), as probabilities
 * (softmax over the candidates of {@code exp(logit_scale)} · cosine). The image tower runs with the
 * method the {@code reduction} argument names; {@code precision} as for {@link ImageEmbeddingFactory}.
 * The CLIP BPE {@code tokenizer.json} is read from the model folder, or from the {@code tokenizer}
 * argument (a file or folder). Each input is its own batch (candidates differ per input).
 */
public final class ZeroShotClassificationFactory extends ServingFactory<VisionLanguageInput, Classifications> {

    /** A factory for {@code Criteria.optTranslatorFactory}. */
    public ZeroShotClassificationFactory() {
        super(VisionLanguageInput.class, Classifications.class);
    }

    @Override
    Translator<VisionLanguageInput, Classifications> build(Model model, Map<String, ?> arguments)
            throws TranslateException {
        ReductionArgument reduction = ReductionArgument.parse(arguments.get("reduction"));
        Path tokenizerPath = arguments.get("tokenizer") != null ? Paths.get(arguments.get("tokenizer").toString())
                : Files.isDirectory(model.getModelPath()) ? model.getModelPath() : model.getModelPath().getParent();
        ClipModel clip = ServedModels.stateDict(model, ClipModel.class, task())
                .withPrecision(ServedModels.precision(arguments));
        ClipTokenizer tokenizer;
        try {
            tokenizer = ServedModels.closeWith(model, ClipTokenizer.load(tokenizerPath, clip.config().context()));
        } catch (IOException e) {
            throw new TranslateException(task() + ": cannot read the tokenizer at " + tokenizerPath + ": "
                    + e.getMessage(), e);
        }
        ReducerSpec spec = reduction.visionSpec();
        ClipModel served = spec == null ? clip : clip.withReduction(Site.VISION_BLOCKS, TowerReduction.of(spec.reducer()));
        model.setBlock(ReducibleBlock.of(in -> new NDList(served.classify(in.get(0), prompts(in.get(1)))),
                "CLIP zero-shot classification, reduction " + (spec == null ? "none" : spec.toJson())));
        return new ZeroShotTranslator(new ClipImageProcessor(clip.config().imageSize()), tokenizer);
    }

    /** Ids [K, context] as K classes of one prompt each. */
    private static long[][][] prompts(NDArray ids) {
        long[][] rows = ServedModels.longRows(ids);
        long[][][] out = new long[rows.length][][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = new long[][] {rows[i]};
        }
        return out;
    }

    /** One image and its candidates to pixels [1, 3, S, S] and prompt ids [K, context]; probabilities to labels. */
    private record ZeroShotTranslator(ClipImageProcessor processor, ClipTokenizer tokenizer)
            implements Translator<VisionLanguageInput, Classifications> {

        private static final String CANDIDATES = "tokenreduce.candidates";

        @Override
        public NDList processInput(TranslatorContext ctx, VisionLanguageInput input) {
            String[] candidates = input.getCandidates();
            if (input.getImage() == null || candidates == null || candidates.length == 0) {
                throw new IllegalArgumentException("input: zero-shot classification needs an image and at least one "
                        + "candidate label (new VisionLanguageInput(image, new String[] {...})), got "
                        + (input.getImage() == null ? "no image" : "no candidates"));
            }
            String t = input.getHypothesisTemplate();
            if (t == null || !t.contains("{}")) {
                throw new IllegalArgumentException("input: the hypothesis template '" + t + "' has no {} for the label");
            }
            List<String> prompts = new ArrayList<>();
            for (String c : candidates) {
                prompts.add(t.replace("{}", c));
            }
            ctx.setAttachment(CANDIDATES, List.of(candidates));
            return new NDList(processor.toTensor(ctx.getNDManager(), input.getImage()).expandDims(0),
                    ctx.getNDManager().create(tokenizer.encode(prompts)));
        }

        @Override
        @SuppressWarnings("unchecked")
        public Classifications processOutput(TranslatorContext ctx, NDList list) {
            List<String> names = (List<String>) ctx.getAttachment(CANDIDATES);
            float[] p = list.singletonOrThrow().toFloatArray();
            List<Double> probs = new ArrayList<>();
            for (float x : p) {
                probs.add((double) x);
            }
            return new Classifications(names, probs);
        }

        @Override
        public Batchifier getBatchifier() {
            return null; // one input per forward pass: each brings its own candidates
        }
    }
}
