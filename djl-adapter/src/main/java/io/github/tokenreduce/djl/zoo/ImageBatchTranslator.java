package io.github.tokenreduce.djl.zoo;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.translate.TranslatorContext;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;

import java.util.List;

/** A batching translator from images: each preprocessed by one processor, stacked to pixels [B, 3, S, S]. */
abstract class ImageBatchTranslator<O> extends BatchingTranslator<Image, O> {

    private final ClipImageProcessor processor;

    ImageBatchTranslator(ClipImageProcessor processor) {
        this.processor = processor;
    }

    @Override
    public NDList batchProcessInput(TranslatorContext ctx, List<Image> inputs) {
        NDList pixels = new NDList();
        for (Image image : inputs) {
            pixels.add(processor.toTensor(ctx.getNDManager(), image));
        }
        return new NDList(NDArrays.stack(pixels));
    }
}
