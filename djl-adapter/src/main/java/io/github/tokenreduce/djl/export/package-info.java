/**
 * ONNX export by tracing: a {@link io.github.tokenreduce.djl.export.Tracer} runs a model's eager
 * forward (with its reduction) over recording arrays, so the graph derives from the one definition of
 * each method; {@link io.github.tokenreduce.djl.export.OnnxGraph} writes it with protobuf-java and
 * {@link io.github.tokenreduce.djl.export.OnnxRuntimeRun} checks it in ONNX Runtime;
 * {@link io.github.tokenreduce.djl.export.OnnxExport} is the driver every model family's export uses,
 * {@link io.github.tokenreduce.djl.export.BucketedExport} the one for a dynamic sequence length (one
 * traced branch per length bucket, chosen by an {@code If}).
 *
 * <p>May use DJL, protobuf-java (it writes the ONNX wire format itself), ONNX Runtime Java and
 * core's tensor utilities ({@code core.util.Tensors}, for NumPy's broadcast rule); knows
 * no model family and no method (it reads one thing of a model's: {@code djl.nn.Precision}). See docs/export.md.
 */
package io.github.tokenreduce.djl.export;
