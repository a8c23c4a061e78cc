/**
 * Speed of exported graphs: ONNX Runtime on an exported model, unreduced against reduced,
 * interleaved in one run (docs/export.md names the command).
 *
 * <p>May use {@code djl.export}, the model packages of {@code djl}, {@code cli.text} (ONNX Runtime
 * sessions), DJL and ONNX Runtime.
 */
package io.github.tokenreduce.bench.export;
