/**
 * Evaluation metrics on plain arrays: Spearman and Pearson correlation, retrieval scores, k-NN
 * classification, per-item scores and bootstrap intervals.
 *
 * <p>Uses only the JDK: no model, no tensor library.
 */
package io.github.tokenreduce.cli.eval;
