/**
 * The text frontier harness: every method and level on the real-data text tasks, written into
 * docs/text-results.md (the command is on that page).
 *
 * <p>May use {@code cli.text}, {@code cli.eval}, {@code cli.measure}, {@code cli.report},
 * {@code cli.workload}, {@code core}, {@code djl.bert}, {@code djl.site}, DJL, ONNX Runtime and
 * picocli.
 */
package io.github.tokenreduce.bench.text;
