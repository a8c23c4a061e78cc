package io.github.tokenreduce.djl.zoo;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

import java.util.List;

/**
 * A translator that batches its inputs itself ({@code predict} is a batch of one): texts of
 * different lengths are padded, images stacked, in {@link #batchProcessInput}.
 */
abstract class BatchingTranslator<I, O> implements Translator<I, O> {

    @Override
    public abstract NDList batchProcessInput(TranslatorContext ctx, List<I> inputs);

    @Override
    public abstract List<O> batchProcessOutput(TranslatorContext ctx, NDList list);

    @Override
    public NDList processInput(TranslatorContext ctx, I input) {
        return batchProcessInput(ctx, List.of(input));
    }

    @Override
    public O processOutput(TranslatorContext ctx, NDList list) {
        return batchProcessOutput(ctx, list).get(0);
    }

    /** Non-null, so that DJL's predictor calls the batch methods; they never use it. */
    @Override
    public Batchifier getBatchifier() {
        return Batchifier.STACK;
    }
}
