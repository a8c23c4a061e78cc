package io.github.tokenreduce.djl.zoo;

import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.defaults.Defaults;
import io.github.tokenreduce.djl.site.Levels;

import java.util.Locale;

/**
 * The {@code reduction} argument of our translator factories: {@code none} (the unreduced model),
 * {@code auto} (the model's documented default, {@link Defaults}), a method ({@code tome},
 * {@code crossget}, {@code madtp}) at its default level, or {@code method:level}: for image towers
 * a whole r ({@code crossget:16}), for sentence encoders the share of tokens kept per layer
 * ({@code crossget:0.9}), as the command line's {@code --method}/{@code --level}.
 *
 * @param method the method, {@code auto}, or null for none
 * @param level the level, or null for the default
 */
public record ReductionArgument(String method, Double level) {

    /** Parses {@code value} (null: none). */
    public static ReductionArgument parse(Object value) {
        String v = value == null ? "none" : value.toString().trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("none")) {
            return new ReductionArgument(null, null);
        }
        int colon = v.indexOf(':');
        String method = colon < 0 ? v : v.substring(0, colon);
        Double level = null;
        if (colon >= 0) {
            try {
                level = Double.valueOf(v.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("reduction: '" + value + "' has no number after the colon; expected "
                        + "none, auto, a method (tome, crossget, madtp) or method:level such as crossget:16");
            }
        }
        if (!method.equals(Defaults.AUTO) && !Levels.METHODS.contains(method)) {
            throw new IllegalArgumentException("reduction: unknown method '" + method + "' in '" + value
                    + "'; expected none, auto, tome, crossget or madtp, optionally with :level");
        }
        return new ReductionArgument(method, level);
    }

    /** Whether no method is attached. */
    public boolean isNone() {
        return method == null;
    }

    /** The spec on an image tower (proportional attention on), or null for none. */
    public ReducerSpec visionSpec() {
        return isNone() ? null : Defaults.visionSpec(method, level, true);
    }

    /**
     * The spec on a sentence encoder, or null for none: a bundled encoder's documented default for
     * {@code auto} or a missing level; any other encoder needs {@code method:level}.
     *
     * @param bundled the bundled encoder, or null
     */
    public ReducerSpec textSpec(BundledEncoder bundled) {
        if (isNone()) {
            return null;
        }
        if (bundled != null) {
            return bundled.reductionSpec(method, level);
        }
        if (method.equals(Defaults.AUTO) || level == null) {
            throw new IllegalArgumentException("reduction: '" + method + (level == null ? "" : ":" + level)
                    + "' needs a documented default, which only the bundled encoders have; give method:keep, e.g. "
                    + "crossget:0.9");
        }
        return new ReducerSpec(method, Levels.textSchedule(level), false, 1f);
    }
}
