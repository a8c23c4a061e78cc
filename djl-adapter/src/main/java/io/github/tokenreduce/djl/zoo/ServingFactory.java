package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.Set;

/**
 * A translator factory for one input and output type: checks the types {@code Criteria} asks for,
 * builds the translator (and sets the model's block), and closes the half-made model when the
 * arguments or the files are wrong, so a failed {@code loadModel} leaks nothing.
 */
abstract class ServingFactory<A, B> implements TranslatorFactory {

    private final Class<A> input;
    private final Class<B> output;

    ServingFactory(Class<A> input, Class<B> output) {
        this.input = input;
        this.output = output;
    }

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return Set.of(new Pair<>(input, output));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> in, Class<O> out, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (!isSupported(in, out)) {
            throw new IllegalArgumentException(task() + ": serves " + input.getSimpleName() + " -> "
                    + output.getSimpleName() + ", not " + in.getSimpleName() + " -> " + out.getSimpleName());
        }
        try {
            return (Translator<I, O>) build(model, arguments);
        } catch (RuntimeException | TranslateException e) {
            model.close();
            throw e;
        }
    }

    /** The factory's name for messages. */
    String task() {
        return getClass().getSimpleName();
    }

    /** The translator for {@code model}, whose block this replaces with a {@link ReducibleBlock}. */
    abstract Translator<A, B> build(Model model, Map<String, ?> arguments) throws TranslateException;
}
