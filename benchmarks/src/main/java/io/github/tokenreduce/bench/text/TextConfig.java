package io.github.tokenreduce.bench.text;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.GuideProvider;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One point on the text frontier: a method at a reduction level. Levels keep a share of the
 * current tokens at every layer from {@code fromLayer} on ({@link Schedule#keepRatio(double, int, int)})
 * but never go below {@code minTokens}, so short sentences pass untouched; proportional attention
 * on or off. The documented text defaults: a 64-token floor ({@link Levels#TEXT_MIN_TOKENS}), no
 * proportional attention, every layer, CrossGET guided by the CLS query. Each point runs its linear
 * layers in a {@link Precision} (float32 unless the frontier asks for more), so low precision is
 * measured beside float32 with the same reduction.
 *
 * @param method "unreduced", "tome", "crossget" or "madtp"
 * @param keep share kept per layer (1 for unreduced)
 * @param minTokens the token floor
 * @param fromLayer the first layer that reduces (0-based)
 * @param proportional whether attention adds log(size) of merged tokens
 * @param guide CrossGET's guide query: "cls" (the CLS token's) or "mean" (the size-weighted mean of
 *     the tokens', {@link GuideProvider#meanOfTokens()})
 * @param reducer the configured method, or null
 * @param precision the number format of the linear layers (never {@link Precision#AUTO})
 * @param engine {@code pytorch} (the eager model) or {@code onnxruntime} (the exported graph with the
 *     reduction inside, {@code OnnxRuntimeSentenceEncoder}: fp32 or int8)
 */
public record TextConfig(String method, double keep, int minTokens, int fromLayer, boolean proportional,
        String guide, TokenReducer reducer, Precision precision, String engine) {

    /** The engines a configuration can run on. */
    public static final List<String> ENGINES = List.of("pytorch", "onnxruntime");

    /** The guides a configuration can name. */
    public static final List<String> GUIDES = List.of("cls", "mean");

    public TextConfig {
        if (!GUIDES.contains(guide)) {
            throw new IllegalArgumentException("guide: '" + guide + "' is not one of " + GUIDES);
        }
        if (precision == null || precision == Precision.AUTO) {
            throw new IllegalArgumentException("precision: a frontier point runs a resolved precision, got " + precision);
        }
        if (!ENGINES.contains(engine)) {
            throw new IllegalArgumentException("engine: '" + engine + "' is not one of " + ENGINES);
        }
        if (engine.equals("onnxruntime") && precision != Precision.FP32 && precision != Precision.INT8) {
            throw new IllegalArgumentException("precision: an exported graph runs fp32 or int8 on ONNX Runtime, got "
                    + precision.label());
        }
    }

    /** The unreduced model. */
    public static TextConfig unreduced() {
        return new TextConfig("unreduced", 1, 0, 0, false, "cls", null, Precision.FP32, "pytorch");
    }

    /** {@code method} keeping {@code keep} per layer from {@code fromLayer} on, above {@code floor} tokens. */
    public static TextConfig of(String method, double keep, int floor, int fromLayer, boolean proportional,
            String guide) {
        return new TextConfig(method, keep, floor, fromLayer, proportional, guide,
                Levels.reducer(method, Schedule.keepRatio(keep, floor, fromLayer), proportional), Precision.FP32,
                "pytorch");
    }

    /** This point with its linear layers in {@code p}. */
    public TextConfig in(Precision p) {
        return new TextConfig(method, keep, minTokens, fromLayer, proportional, guide, reducer, p, engine);
    }

    /** This point on {@code engine} ({@link #ENGINES}). */
    public TextConfig on(String engine) {
        return new TextConfig(method, keep, minTokens, fromLayer, proportional, guide, reducer, precision, engine);
    }

    /** Whether this point runs the exported graph on ONNX Runtime. */
    public boolean exported() {
        return engine.equals("onnxruntime");
    }

    /** The reduction attached to the text site: the reducer with this configuration's guide. */
    public TowerReduction reduction() {
        TowerReduction r = TowerReduction.of(reducer);
        return guide.equals("mean") ? r.withGuide(GuideProvider.meanOfTokens()) : r;
    }

    /**
     * A short label: {@code unreduced}, {@code crossget keep 0.8}, with {@code from L2}, {@code floor 0},
     * {@code prop-attn} and the precision ({@code bf16}, {@code int8}) when they differ from the text
     * defaults.
     */
    public String label() {
        String tail = (precision == Precision.FP32 ? "" : " " + precision.label()) + (exported() ? " onnxruntime" : "");
        if (reducer == null) {
            return "unreduced" + tail;
        }
        StringBuilder sb = new StringBuilder(method + " keep " + String.format(Locale.ROOT, "%s", keep));
        if (fromLayer > 0) {
            sb.append(" from L").append(fromLayer);
        }
        if (minTokens != Levels.TEXT_MIN_TOKENS) {
            sb.append(" floor ").append(minTokens);
        }
        if (proportional) {
            sb.append(" prop-attn");
        }
        if (guide.equals("mean")) {
            sb.append(" mean-guide");
        }
        return sb.append(tail).toString();
    }

    /**
     * Unreduced, then every combination of method, keep ratio, first layer, floor, attention and
     * guide (the guides only for CrossGET, the one method that uses one; the others once, with CLS),
     * in float32.
     */
    public static List<TextConfig> grid(List<String> methods, double[] keeps, int[] fromLayers, int[] floors,
            boolean[] proportional, List<String> guides) {
        return grid(methods, keeps, fromLayers, floors, proportional, guides, List.of(Precision.FP32));
    }

    /**
     * As {@link #grid(List, double[], int[], int[], boolean[], List)}, in each of {@code precisions}
     * (resolved ones, float32 first): float32 unreduced first — every difference is taken to it — then,
     * per precision, its unreduced point (after the first) and the combinations.
     */
    public static List<TextConfig> grid(List<String> methods, double[] keeps, int[] fromLayers, int[] floors,
            boolean[] proportional, List<String> guides, List<Precision> precisions) {
        if (precisions.isEmpty() || precisions.get(0) != Precision.FP32) {
            throw new IllegalArgumentException("precisions: float32 must come first (the baseline), got " + precisions);
        }
        return grid(methods, keeps, fromLayers, floors, proportional, guides, precisions, List.of("pytorch"));
    }

    /**
     * As {@link #grid(List, double[], int[], int[], boolean[], List, List)} on each of {@code engines}:
     * on ONNX Runtime in the precisions of {@code precisions} it runs (fp32, int8), the exported graph.
     */
    public static List<TextConfig> grid(List<String> methods, double[] keeps, int[] fromLayers, int[] floors,
            boolean[] proportional, List<String> guides, List<Precision> precisions, List<String> engines) {
        if (precisions.isEmpty() || precisions.get(0) != Precision.FP32) {
            throw new IllegalArgumentException("precisions: float32 must come first (the baseline), got " + precisions);
        }
        List<TextConfig> out = new ArrayList<>();
        for (String engine : engines) {
            for (Precision p : precisions) {
                if (engine.equals("onnxruntime") && p != Precision.FP32 && p != Precision.INT8) {
                    continue; // ONNX Runtime's CPU provider has no bfloat16 products
                }
                out.add(unreduced().in(p).on(engine));
                for (TextConfig c : grid(methods, keeps, fromLayers, floors, proportional, guides, p)) {
                    out.add(c.on(engine));
                }
            }
        }
        return out;
    }

    private static List<TextConfig> grid(List<String> methods, double[] keeps, int[] fromLayers, int[] floors,
            boolean[] proportional, List<String> guides, Precision p) {
        List<TextConfig> out = new ArrayList<>();
        for (String m : methods) {
            for (double k : keeps) {
                for (int from : fromLayers) {
                    for (int floor : floors) {
                        for (boolean prop : proportional) {
                            for (String g : m.equals("crossget") ? guides : List.of("cls")) {
                                out.add(of(m, k, floor, from, prop, g).in(p));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
