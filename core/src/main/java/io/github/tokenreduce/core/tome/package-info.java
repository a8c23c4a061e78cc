/**
 * ToMe (Bolya et al., ICLR 2023): bipartite soft matching on head-averaged keys and size-weighted
 * merging.
 *
 * <p>May use the root {@code core} package, {@code core.util} and DJL's {@code ai.djl:api}; no other
 * method and no model. See docs/operators.md.
 */
package io.github.tokenreduce.core.tome;
