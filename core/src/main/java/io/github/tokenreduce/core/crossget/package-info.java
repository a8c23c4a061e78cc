/**
 * CrossGET (Shi et al., ICML 2024): complete-graph soft matching guided by cross-modal importance,
 * with the cross-guided ensemble merge.
 *
 * <p>May use the root {@code core} package, {@code core.util} and DJL's {@code ai.djl:api}; no other
 * method and no model. See docs/operators.md.
 */
package io.github.tokenreduce.core.crossget;
