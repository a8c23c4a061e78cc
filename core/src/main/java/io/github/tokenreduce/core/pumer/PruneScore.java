package io.github.tokenreduce.core.pumer;

import java.util.Locale;

/**
 * Which attention heads PuMer's text-informed image score reads (the authors' {@code sim_method};
 * Cao et al., ACL 2023, §3.2 "text-informed pruning"; csarron/PuMer {@code vit_vilt.py}
 * {@code Block.forward}). Both sum the text-to-image attention over text rows and divide by the
 * true text length ({@link TextInformedPruning}); they differ in how the heads are reduced first.
 */
public enum PruneScore {
    /** Mean over heads ({@code "mh"}: {@code cross_attn.mean(1).sum(1) / t_len}). The default. */
    MEAN_HEAD,
    /**
     * The first head only ({@code "fh"}: {@code cross_attn[:, 0].sum(1) / t_len}): the other heads
     * are ignored. Needs the per-head attention [B, H, Lt, Li].
     */
    FIRST_HEAD;

    /**
     * The score the authors' {@code sim_method} names: {@code mh} / {@code mean_head} or
     * {@code fh} / {@code first_head} (case-insensitive). Their key-similarity scores ({@code km},
     * {@code qk}) are not attention-head scores and are rejected.
     */
    public static PruneScore fromSimMethod(String simMethod) {
        if (simMethod != null) {
            switch (simMethod.toLowerCase(Locale.ROOT)) {
                case "mh", "mean_head":
                    return MEAN_HEAD;
                case "fh", "first_head":
                    return FIRST_HEAD;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("sim_method: expected mh (mean_head) or fh (first_head), got "
                + (simMethod == null ? "null" : "\"" + simMethod + "\""));
    }
}
