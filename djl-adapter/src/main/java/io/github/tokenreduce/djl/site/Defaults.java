package io.github.tokenreduce.djl.site;

import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The documented default reduction of each model, in one place: {@code tokenreduce embed --method
 * auto}, the langchain4j module and the Spark transformer read it. Text defaults are per bundled
 * encoder (measured in docs/text-results.md); for anything else, or another accuracy budget, run
 * {@code tokenreduce calibrate --budget drop=1} on your own labelled data.
 */
public final class Defaults {

    /**
     * A method, its level (share of tokens kept per layer for text, r for vision) and the first layer
     * that reduces (0-based; text only: the layers before it stay whole).
     */
    public record Choice(String method, double level, int fromLayer) {}

    /**
     * Per bundled encoder: the default method, keep ratio and first reducing layer, the most
     * reduction that stayed within 1 point of nDCG@10 (whole 95% interval) on SOTU same-address
     * retrieval and Cranfield (docs/text-results.md, "Defaults: what holds on every task").
     */
    private static final Map<BundledEncoder, Choice> TEXT = new EnumMap<>(Map.of(
            BundledEncoder.ALL_MINILM_L6_V2, new Choice("crossget", 0.9, 3),
            BundledEncoder.BGE_SMALL_EN_V15, new Choice("crossget", 0.9, 9),
            BundledEncoder.E5_SMALL_V2, new Choice("crossget", 0.9, 9)));

    /** Vision towers (CLIP image, ViT): ToMe with r = 16, the ToMe paper's setting. */
    public static final Choice VISION = new Choice("tome", 16, 0);

    /** The method name that stands for a model's default. */
    public static final String AUTO = "auto";

    private Defaults() {}

    /** The default for a bundled sentence encoder. */
    public static Choice text(BundledEncoder model) {
        Choice c = TEXT.get(model);
        if (c == null) {
            throw new IllegalArgumentException("model: no documented default for " + model);
        }
        return c;
    }

    /**
     * The spec for {@code method} ({@code auto}: the model's default) at {@code level} on a sentence
     * encoder, with the 64-token floor: without a level, the model's default keep ratio from its
     * default first layer; with one, that keep ratio at every layer (as {@link Levels#textSchedule}).
     */
    public static ReducerSpec textSpec(BundledEncoder model, String method, Double level) {
        Choice d = text(model);
        String m = method.toLowerCase(Locale.ROOT);
        if (m.equals(AUTO)) {
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
