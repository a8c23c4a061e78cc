/**
 * Reading model files: safetensors (read and write), model folders and {@code config.json}, half
 * floats, a name-checked weight store and the mismatch error that lists what was missing or extra.
 *
 * <p>May use DJL, Gson and {@code djl.weights.torch} (PyTorch checkpoints); no model. Files are
 * untrusted: every reader is bounded. See docs/models.md ("Weights").
 */
package io.github.tokenreduce.djl.weights;
