/**
 * langchain4j's {@code EmbeddingModel} for the bundled sentence encoders, reduced.
 *
 * <p>May use {@code core}, {@code djl.bert}, {@code djl.nn}, {@code djl.site}, DJL and
 * {@code langchain4j-core}.
 */
package io.github.tokenreduce.langchain4j;
