package io.github.tokenreduce.djl.defaults;

import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.site.Levels;

import java.util.Locale;

/**
 * The documented default reduction of each model, in one place: {@code tokenreduce embed --method
 * auto}, the langchain4j module and the Spark transformer read it. Text defaults are per bundled
 * encoder ({@code BundledEncoder#defaultReduction}, measured in docs/text-results.md); for anything else, or another accuracy budget, run
 * {@code tokenreduce calibrate --budget drop=1} on your own labelled data.
 */
public final class Defaults {

    /**
     * A method, its level (share of tokens kept per layer for text, r for vision), the first layer
     * that reduces (0-based; text only: the layers before it stay whole), and whether {@code auto}
     * applies it: where the documented level saves no measured time, the model's default is no
     * reduction and the level is only what a named method without {@code --level} gets.
     */
    public record Choice(String method, double level, int fromLayer, boolean byDefault) {}

    /** Vision towers (CLIP image, ViT): ToMe with r = 16, the ToMe paper's setting. */
    public static final Choice VISION = new Choice("tome", 16, 0, true);

    /** The method name that stands for a model's default. */
    public static final String AUTO = "auto";

    private Defaults() {}

    /**
     * The spec for {@code method} ({@code auto}: the model's default {@code d}) at {@code level} on a
     * sentence encoder ({@code BundledEncoder#reductionSpec} for the bundled ones), with the 64-token floor: without a level, the model's documented keep ratio from its
     * first reducing layer; with one, that keep ratio at every layer (as {@link Levels#textSchedule}).
     *
     * @return the spec, or null for {@code auto} without a level on a model whose default is no
     *     reduction ({@link Choice#byDefault()} false)
     */
    public static ReducerSpec textSpec(Choice d, String method, Double level) {
        String m = method.toLowerCase(Locale.ROOT);
        if (m.equals(AUTO)) {
            if (level == null && !d.byDefault()) {
                return null;
            }
            m = d.method();
        }
        if (level != null) {
            return spec(m, Levels.textSchedule(level), false);
        }
        return spec(m, io.github.tokenreduce.core.Schedule.keepRatio(d.level(), Levels.TEXT_MIN_TOKENS, d.fromLayer()),
                false);
    }

    /**
     * The spec for {@code method} ({@code auto}: ToMe) at {@code level} (null: r = 16) on a vision
     * tower; {@code proportional}: proportional attention (on for image towers).
     */
    public static ReducerSpec visionSpec(String method, Double level, boolean proportional) {
        String m = method.toLowerCase(Locale.ROOT);
        if (m.equals(AUTO)) {
            m = VISION.method();
        }
        return spec(m, Levels.visionSchedule(level != null ? level : VISION.level()), proportional);
    }

    private static ReducerSpec spec(String method, io.github.tokenreduce.core.Schedule schedule, boolean proportional) {
        Levels.reducer(method, schedule, proportional); // names the methods that apply
        return new ReducerSpec(method, schedule, proportional, 1f);
    }
}
