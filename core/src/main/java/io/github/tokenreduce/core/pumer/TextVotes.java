package io.github.tokenreduce.core.pumer;

/** Which text rows vote in PuMer's text-informed image score (Cao et al., ACL 2023). */
public enum TextVotes {
    /** Only real text rows, weighted by the (possibly fractional) text mask. The default. */
    REAL_TEXT,
    /**
     * Every text row, padding included, divided by the real text length: the authors' code
     * ({@code cross_attn.mean(1).sum(1) / t_len}, vit_vilt.py). Padding queries hold full attention
     * rows (the masked softmax masks keys only), so they vote; reproduces the authors' outputs.
     */
    ALL_ROWS
}
