/**
 * Reading model files: safetensors (read and write), model folders and {@code config.json}, a
 * name-checked weight store and the mismatch error that lists what was missing or extra.
 *
 * <p>May use DJL, Gson, {@code djl.weights.torch} (PyTorch checkpoints) and {@code djl.weights.dtype}
 * (half floats); no model. {@code djl.weights.torch} may not use it (that would be a cycle). Files are
 * untrusted: every reader is bounded. See docs/models.md ("Weights").
 */
package io.github.tokenreduce.djl.weights;
