/**
 * Reading PyTorch checkpoints ({@code torch.save} zip and legacy formats) with a restricted, bounded
 * unpickler that builds tensors and nothing else.
 *
 * <p>May use {@code djl.weights.dtype} (half floats) and DJL; no model, and not {@code djl.weights},
 * which uses this package.
 */
package io.github.tokenreduce.djl.weights.torch;
