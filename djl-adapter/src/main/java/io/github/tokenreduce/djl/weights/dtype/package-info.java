/**
 * Element types the weight formats store and DJL cannot read itself: IEEE half and bfloat16 bit
 * patterns widened to float32, exactly, in Java.
 *
 * <p>Uses nothing of {@code djl}: every weight reader ({@code djl.weights}, {@code djl.weights.torch},
 * {@code djl.weights.onnx}) may use it.
 */
package io.github.tokenreduce.djl.weights.dtype;
