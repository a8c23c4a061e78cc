/**
 * Reading PyTorch checkpoints ({@code torch.save} zip and legacy formats) with a restricted, bounded
 * unpickler that builds tensors and nothing else.
 *
 * <p>May use {@code djl.weights} and DJL; no model.
 */
package io.github.tokenreduce.djl.weights.torch;
