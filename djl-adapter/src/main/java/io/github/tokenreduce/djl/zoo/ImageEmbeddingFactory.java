package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.family.OnnxRuntimeImages;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code Criteria} for CLIP image embeddings, {@code Image → float[]}: the projected image features
 * ({@code encode_image}; unit length with {@code normalize=true}) of our CLIP, with the method the
 * {@code reduction} argument names on the image tower ({@link ReductionArgument}) and the linear
 * layers in {@code precision} (fp32, bf16, int8, auto); with {@code engine=onnxruntime} the image tower
 * is exported with its reduction as one ONNX graph (fp32, or int8 with {@code precision} int8 or auto)
 * and ONNX Runtime runs it. Images are resized (shortest side, bicubic),
 * centre-cropped and normalised as CLIP does ({@link ClipImageProcessor}); {@code batchPredict}
 * runs one batch.
 */
public final class ImageEmbeddingFactory extends ServingFactory<Image, float[]> {

    private static final String TASK = "ImageEmbeddingFactory";

    /** A factory for {@code Criteria.optTranslatorFactory}. */
    public ImageEmbeddingFactory() {
        super(Image.class, float[].class);
    }

    @Override
    Translator<Image, float[]> build(Model model, Map<String, ?> arguments) throws TranslateException {
        ReductionArgument reduction = ReductionArgument.parse(arguments.get("reduction"));
        boolean normalize = ServedModels.flag(arguments, "normalize", false);
        ServedModels.Served<ClipModel> eager = ServedModels.served(model, ClipModel.class, TASK);
        ClipModel clip = eager.model();
        ReducerSpec spec = reduction.visionSpec();
        OnnxRuntimeImages graph = ServedModels.onnxRuntime(model, eager, arguments, spec == null ? null : spec.reducer(), TASK);
        String what = "CLIP image embeddings, reduction " + (spec == null ? "none" : spec.toJson());
        if (graph != null) {
            model.setBlock(ReducibleBlock.of(in -> new NDList(ServedModels.unit(graph.run(in.get(0), "image_embeds"),
                    normalize)), what + ", on ONNX Runtime"));
        } else {
            ClipModel precise = clip.withPrecision(ServedModels.precision(arguments));
            ClipModel served = spec == null ? precise
                    : precise.withReduction(Site.VISION_BLOCKS, TowerReduction.of(spec.reducer()));
            model.setBlock(ReducibleBlock.of(in -> new NDList(ServedModels.unit(served.imageFeatures(in.get(0)),
                    normalize)), what));
        }
        return new ImageTranslator(new ClipImageProcessor(clip.config().imageSize()));
    }

    /** Images to pixels [B, 3, S, S]; embeddings [B, E] to rows. */
    private static final class ImageTranslator extends ImageBatchTranslator<float[]> {

        ImageTranslator(ClipImageProcessor processor) {
            super(processor);
        }

        @Override
        public List<float[]> batchProcessOutput(TranslatorContext ctx, NDList list) {
            return Arrays.asList(Tensors.rows(list.singletonOrThrow()));
        }
    }
}
