package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;
import io.github.tokenreduce.djl.family.OnnxRuntimeImages;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitModel;
import io.github.tokenreduce.djl.weights.ModelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code Criteria} for ViT/DeiT image classification, {@code Image → Classifications}: the
 * classifier's softmax over its classes, named by {@code config.json}'s {@code id2label} when the
 * model has one, else by the class index; {@code topK} (5 unless given) is how many
 * {@link Classifications#toString()} and {@code toJson} show, best first. The method the
 * {@code reduction} argument names runs on the blocks ({@link ReductionArgument}), the linear layers
 * in {@code precision}; with {@code engine=onnxruntime} the model is exported with its reduction as
 * one ONNX graph (fp32, or int8 with {@code precision} int8 or auto) and ONNX Runtime runs it. Images are resized (shortest side, bicubic), centre-cropped to the model's
 * image size and normalised with {@code preprocessor_config.json}'s {@code image_mean} and
 * {@code image_std} when the model folder has one, else mean and std 0.5 (Hugging Face's ViT
 * default); {@code batchPredict} runs one batch.
 */
public final class ImageClassificationFactory extends ServingFactory<Image, Classifications> {

    private static final float[] HALF = {0.5f, 0.5f, 0.5f};

    /** A factory for {@code Criteria.optTranslatorFactory}. */
    public ImageClassificationFactory() {
        super(Image.class, Classifications.class);
    }

    @Override
    Translator<Image, Classifications> build(Model model, Map<String, ?> arguments) throws TranslateException {
        ReductionArgument reduction = ReductionArgument.parse(arguments.get("reduction"));
        int topK = ServedModels.count(arguments, "topK", 1, 5);
        ServedModels.Served<VitModel> eager = ServedModels.served(model, VitModel.class, task());
        VitModel vit = eager.model();
        if (vit.config().classes() < 1) {
            throw new IllegalArgumentException(task() + ": the ViT at " + model.getModelPath()
                    + " has no classifier head (head.* / classifier.*), so it has no classes to give");
        }
        ClipImageProcessor processor = processor(model, vit.config().imageSize());
        ReducerSpec spec = reduction.visionSpec();
        OnnxRuntimeImages graph = ServedModels.onnxRuntime(model, eager, arguments, spec == null ? null : spec.reducer(), task());
        String what = "ViT image classification, reduction " + (spec == null ? "none" : spec.toJson());
        if (graph != null) {
            model.setBlock(ReducibleBlock.of(in -> new NDList(graph.run(in.get(0), "logits").softmax(1)),
                    what + ", on ONNX Runtime"));
        } else {
            VitModel precise = vit.withPrecision(ServedModels.precision(arguments));
            VitModel served = spec == null ? precise
                    : precise.withReduction(Site.VISION_BLOCKS, TowerReduction.of(spec.reducer()));
            model.setBlock(ReducibleBlock.of(in -> new NDList(served.logits(in.get(0)).softmax(1)), what));
        }
        return new ClassifyTranslator(processor, vit.labels(), topK);
    }

    /** The preprocessing, with the mean and std of the model folder's {@code preprocessor_config.json} if any. */
    private ClipImageProcessor processor(Model model, int size) throws TranslateException {
        Path dir = Files.isDirectory(model.getModelPath()) ? model.getModelPath() : model.getModelPath().getParent();
        JsonObject pre;
        try {
            pre = dir == null ? null : ModelFiles.json(dir, "preprocessor_config.json");
        } catch (IOException e) {
            throw new TranslateException(task() + ": cannot read preprocessor_config.json in " + dir + ": "
                    + e.getMessage(), e);
        }
        if (pre == null) {
            return new ClipImageProcessor(size, HALF, HALF);
        }
        return new ClipImageProcessor(size, triple(pre, "image_mean"), triple(pre, "image_std"));
    }

    /** A per-channel value of {@code preprocessor_config.json}: three numbers, or one for every channel. */
    private static float[] triple(JsonObject pre, String key) {
        JsonElement e = pre.get(key);
        if (e == null) {
            return HALF;
        }
        try {
            if (e.isJsonPrimitive()) {
                float v = e.getAsFloat();
                return new float[] {v, v, v};
            }
            JsonArray a = e.getAsJsonArray();
            if (a.size() == 3) {
                return new float[] {a.get(0).getAsFloat(), a.get(1).getAsFloat(), a.get(2).getAsFloat()};
            }
        } catch (RuntimeException ex) {
            // reported below
        }
        throw new IllegalArgumentException("preprocessor_config.json: " + key + " must be three numbers (RGB), got " + e);
    }

    /** Images to pixels [B, 3, S, S]; probabilities [B, K] to classifications. */
    private static final class ClassifyTranslator extends ImageBatchTranslator<Classifications> {

        private final List<String> labels;
        private final int topK;

        ClassifyTranslator(ClipImageProcessor processor, List<String> labels, int topK) {
            super(processor);
            this.labels = labels;
            this.topK = topK;
        }

        @Override
        public List<Classifications> batchProcessOutput(TranslatorContext ctx, NDList list) {
            return ServedModels.classifications(list.singletonOrThrow(), labels, topK);
        }
    }
}
