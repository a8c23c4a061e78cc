package io.github.tokenreduce.core.util;

import java.util.Arrays;

/**
 * Per-sample removal counts clamped to what each sample can take in one step, and what a
 * {@code MergePlan} reports of them.
 *
 * @param applied removals per sample after clamping
 * @param counts output tokens per sample ({@code real - applied})
 * @param requested the common request, or -1 when samples asked for different counts
 * @param appliedAll the common applied count, or -1 when samples differ
 */
public record PerSampleClamp(int[] applied, int[] counts, int requested, int appliedAll) {

    /**
     * Clamps {@code r[b]} to {@code [0, limit[b]]} for samples of {@code real[b]} real tokens;
     * null when no sample removes anything.
     */
    public static PerSampleClamp of(int[] r, int[] limit, int[] real) {
        int[] applied = new int[r.length];
        int[] counts = new int[r.length];
        boolean any = false;
        for (int s = 0; s < r.length; s++) {
            Checks.nonNegative("r[" + s + "]", r[s]);
            applied[s] = Math.max(0, Math.min(r[s], limit[s]));
            counts[s] = real[s] - applied[s];
            any |= applied[s] > 0;
        }
        if (!any) {
            return null;
        }
        boolean same = Arrays.stream(applied).allMatch(a -> a == applied[0]) && Arrays.stream(r).allMatch(x -> x == r[0]);
        return new PerSampleClamp(applied, counts, same ? r[0] : -1, same ? applied[0] : -1);
    }
}
