package io.github.tokenreduce.djl.nn;

/** How a {@link ReducingEncoder} applies the token set's key mask (and sizes) in attention. */
public enum KeyMasking {
    /**
     * Nothing until a method is attached; then {@code log(mask)} (plus {@code log(size)} with
     * proportional attention) is added to the key logits. For towers without padding (ViT, CLIP, BLIP
     * vision), so the unreduced forward pays nothing.
     */
    WHEN_REDUCED,
    /** {@code log(mask)} (plus {@code log(size)} with proportional attention) added in every block. */
    ALWAYS,
    /**
     * PuMer's differentiable masked softmax (csarron/PuMer common.py):
     * {@code p = (e·m' + ε/N) / (Σ e·m' + ε)} with {@code e = exp(s - max s)},
     * {@code m' = m + (1 - m)·I} (a masked query still sees itself) and {@code ε = 1e-6}; fractional
     * masks scale keys. Reproduces the PuMer authors' ViLT.
     */
    PUMER_SOFTMAX
}
