/**
 * Reading an ONNX file's initialisers (its weights) and graph nodes with protobuf-java, without an
 * ONNX runtime; truncated or corrupt files end in errors naming the file and the tensor.
 *
 * <p>May use {@code djl.weights.dtype} (half floats), DJL and protobuf-java; no model.
 */
package io.github.tokenreduce.djl.weights.onnx;
