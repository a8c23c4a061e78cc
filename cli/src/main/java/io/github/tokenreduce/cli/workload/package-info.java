/**
 * What {@code bench} and {@code calibrate} run: a model (the image path of any family offering one,
 * BLIP, a sentence encoder, or random ViT-B/16-shaped weights), its inputs, its ONNX Runtime peer, and
 * the runner that times it.
 *
 * <p>May use {@code cli.measure}, {@code cli.text}, {@code core} (with {@code core.util} and {@code
 * core.pumer}), the {@code djl} model packages and {@code djl.family}, DJL, protobuf-java and ONNX
 * Runtime.
 */
package io.github.tokenreduce.cli.workload;
