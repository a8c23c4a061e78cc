/**
 * The real-data text tasks (STS, Cranfield retrieval, labelled passages) and an ONNX Runtime sentence
 * encoder used as the reference for speed and fidelity.
 *
 * <p>May use {@code cli.data}, {@code cli.eval}, {@code djl.bert}, {@code djl.text} and ONNX Runtime.
 * See docs/text-results.md.
 */
package io.github.tokenreduce.cli.text;
