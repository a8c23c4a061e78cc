package io.github.tokenreduce.djl.site;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;

import java.util.List;

/**
 * How a reduction level becomes a method: for vision towers a level is a constant r (ToMe's
 * convention; MADTP in its fixed-count mode), for text encoders a share of tokens kept per layer
 * with a 64-token floor and no proportional attention (the training-free defaults measured for
 * pretrained sentence encoders, docs/text-results.md).
 */
public final class Levels {

    /** The methods a level applies to (PuMer takes its layers instead, not a level). */
    public static final List<String> METHODS = List.of("tome", "crossget", "madtp");

    /** Sequences this short are left whole by the text schedule. */
    public static final int TEXT_MIN_TOKENS = 64;

    private Levels() {}

    /** Constant r. */
    public static Schedule visionSchedule(double level) {
        if (level < 0 || level != Math.rint(level)) {
            throw new IllegalArgumentException("level: a vision level is a whole number r >= 0, got " + level);
        }
        return Schedule.constant((int) level);
    }

    /** Keep ratio with the text floor. */
    public static Schedule textSchedule(double level) {
        if (!(level > 0 && level <= 1)) {
            throw new IllegalArgumentException("level: a text level is the share of tokens kept per layer, in (0, 1], got "
                    + level);
        }
        return Schedule.keepRatio(level, TEXT_MIN_TOKENS);
    }

    /** {@code method} (tome, crossget or madtp) with {@code schedule}; proportional attention as given. */
    public static TokenReducer reducer(String method, Schedule schedule, boolean proportional) {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("method: '" + method + "' does not apply here; expected tome, crossget "
                    + "or madtp");
        }
        return new ReducerSpec(method, schedule, proportional, 1f).reducer();
    }
}
