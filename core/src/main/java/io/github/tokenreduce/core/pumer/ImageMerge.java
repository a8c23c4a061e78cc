package io.github.tokenreduce.core.pumer;

/** How PuMer merges the kept image tokens (the authors' {@code merge_style}). */
public enum ImageMerge {
    /** ToMe bipartite matching on the keys, unweighted mean of each group ({@code tome}). The default. */
    TOME,
    /**
     * The same matching ({@code bipartite_weighted_matching}: keys scaled by the text score, which
     * cancels in the cosine), but each group is summed rather than averaged ({@code tip}).
     */
    TIP
}
