package io.github.tokenreduce.cli;

import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.defaults.Defaults;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a command reduces its one model ({@code embed}, {@code export}): a spec file ({@code --spec},
 * the {@code schedule.json} calibrate writes) or a method and level ({@code --method}, {@code --level},
 * read through {@link Defaults}); neither: the unreduced model.
 */
final class ReductionOptions {

    @ArgGroup(exclusive = true)
    Source source;

    /** A spec file, or a method (the two exclude each other). */
    static final class Source {
        @Option(names = "--spec", description = "A reducer spec (schedule.json written by calibrate).")
        Path spec;

        @Option(names = "--method", description = "auto (the model's documented default), tome, crossget or madtp; "
                + "--level optional.")
        String method;
    }

    @Option(names = "--level", description = "With --method: r for image towers (CLIP, ViT; default 16), share kept for "
            + "text (default: the model's documented level, Defaults).")
    Double level;

    /** The method {@code --method} names, or null. */
    String method() {
        return source == null ? null : source.method;
    }

    /** Rejects a {@code --level} without {@code --method}; call before any work. */
    void check() {
        if (level != null && (source == null || source.method == null)) {
            throw new IllegalArgumentException("--level: needs --method");
        }
    }

    /**
     * The spec the options name for the bundled sentence encoder {@code text}, or for an image tower
     * when {@code text} is null; null for the unreduced model (no option, or {@code auto} on a model
     * whose default is no reduction).
     */
    ReducerSpec spec(BundledEncoder text) throws IOException {
        check();
        if (source == null) {
            return null;
        }
        if (source.spec != null) {
            if (!Files.isRegularFile(source.spec)) {
                throw new IllegalArgumentException("--spec: " + source.spec + " is not a file");
            }
            return ReducerSpec.read(source.spec);
        }
        return text != null ? text.reductionSpec(source.method, level)
                : Defaults.visionSpec(source.method, level, true);
    }
}
