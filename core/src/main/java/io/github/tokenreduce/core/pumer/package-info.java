/**
 * PuMer (Cao, Paranjape and Hajishirzi, ACL 2023): text-informed pruning of image tokens, then
 * modality-aware merging.
 *
 * <p>May use the root {@code core} package, {@code core.util}, {@code core.tome} (its merge step) and
 * DJL's {@code ai.djl:api}; no model. See docs/operators.md.
 */
package io.github.tokenreduce.core.pumer;
