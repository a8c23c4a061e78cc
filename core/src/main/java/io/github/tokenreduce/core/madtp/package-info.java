/**
 * MADTP (Cao et al., CVPR 2024): alignment-guided token importance and a per-sample dynamic keep
 * threshold.
 *
 * <p>May use the root {@code core} package, {@code core.util} and DJL's {@code ai.djl:api}; no other
 * method and no model. See docs/operators.md.
 */
package io.github.tokenreduce.core.madtp;
