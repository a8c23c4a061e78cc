package io.github.tokenreduce.core;

/**
 * How equal scores are ordered when a method ranks tokens. Ties are common, not rare: a
 * mutually-best pair (u, v) has exactly equal best similarities, and the tie decides which of the
 * two merges away (CrossGET's complete-graph matching).
 */
public enum TieBreak {
    /** Stable: the earlier index first. Deterministic and identical on every device. The default. */
    INDEX,
    /**
     * The order PyTorch's CPU {@code argsort} (an unstable libstdc++ {@code std::sort}) produces,
     * emulated on the host. It reproduces the reference implementations' outputs bit for bit (the
     * authors' fixtures depend on it) at the cost of a device-to-host copy of one [B, N] score row.
     */
    PYTORCH_CPU
}
