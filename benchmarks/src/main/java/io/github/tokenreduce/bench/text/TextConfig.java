package io.github.tokenreduce.bench.text;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;

import java.util.ArrayList;
import java.util.List;

/**
 * One point on the text frontier: a method at a reduction level. Levels keep a share of the
 * current tokens at every layer ({@link Schedule#keepRatio(double, int)}) but never go below
 * {@code minTokens}, so short sentences pass untouched. The training-free defaults found for
 * pretrained BERT encoders: no proportional attention (these models never saw token sizes), a
 * 64-token floor.
 *
 * @param method "unreduced", "tome", "crossget" or "madtp"
 * @param keep share kept per layer (1 for unreduced)
 * @param reducer the configured method, or null
 */
public record TextConfig(String method, double keep, int minTokens, TokenReducer reducer) {

    /** The default floor below which sequences are left whole. */
    public static final int MIN_TOKENS = 64;

    /** A short label: {@code unreduced} or {@code crossget keep 0.8}. */
    public String label() {
        return reducer == null ? "unreduced" : method + " keep " + keep;
    }

    /** Unreduced, then each method at each keep ratio. */
    public static List<TextConfig> grid(List<String> methods, double[] keeps, int minTokens) {
        List<TextConfig> out = new ArrayList<>();
        out.add(new TextConfig("unreduced", 1, 0, null));
        for (String m : methods) {
            for (double k : keeps) {
                out.add(new TextConfig(m, k, minTokens, reducer(m, Schedule.keepRatio(k, minTokens))));
            }
        }
        return out;
    }

    /** The method {@code name} with {@code schedule}, configured as the text defaults say. */
    public static TokenReducer reducer(String name, Schedule schedule) {
        return switch (name) {
            case "tome" -> ToMeReducer.builder().schedule(schedule).proportionalAttention(false).build();
            case "crossget" -> CrossGetReducer.builder().schedule(schedule).proportionalAttention(false).build();
            case "madtp" -> MadtpReducer.builder().schedule(schedule).build();
            default -> throw new IllegalArgumentException("method: '" + name + "' is not one of tome, crossget, madtp");
        };
    }
}
