package io.github.tokenreduce.bench.text;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.djl.site.Levels;

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
                out.add(new TextConfig(m, k, minTokens, Levels.reducer(m, Schedule.keepRatio(k, minTokens), false)));
            }
        }
        return out;
    }
}
