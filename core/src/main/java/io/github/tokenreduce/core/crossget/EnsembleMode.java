package io.github.tokenreduce.core.crossget;

/** How CrossGET's cross-guided ensemble weighs a group (Shi et al., ICML 2024). */
public enum EnsembleMode {
    /**
     * The authors' update: pair weights {@code (w_s, w_d) = 2·softmax([I_i, I_j])} and
     * {@code Y_j = s_j x_j + Σ_i [w_s s_i x_i + (w_d - 1) s_j x_j]}, divided by the merged size.
     * With several sources on one destination the {@code (w_d - 1)} term is added once per source.
     */
    AUTHORS,
    /** A convex combination over the whole group: {@code Σ e^{I_g} s_g x_g / Σ e^{I_g} s_g}. */
    NORMALIZED
}
