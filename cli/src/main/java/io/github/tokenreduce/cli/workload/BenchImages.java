package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The images {@code bench} and {@code calibrate} feed an image model: synthetic scenes with natural
 * images' statistics ({@link DeadLeaves}, the default) or independent standard-normal pixels, the
 * worst case for merging (every patch equally unlike every other, docs/performance.md). Both are
 * fixed by the batch index, so every configuration of a run sees the same batch.
 */
public enum BenchImages {
    /** Dead-leaves scenes: flat regions and occluding edges, as photographs have. */
    SCENES("synthetic dead-leaves scenes"),
    /** Independent standard-normal values per pixel and channel. */
    NOISE("random normal pixels");

    private final String description;

    BenchImages(String description) {
        this.description = description;
    }

    /** What the report calls these images. */
    public String description() {
        return description;
    }

    /** A batch of normalised images, {@code [batch, 3, size, size]} float32 on {@code manager}'s device. */
    public NDArray batch(NDManager manager, int batch, int size) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: got " + batch + " images; expected at least 1");
        }
        Shape shape = new Shape(batch, 3, size, size);
        if (this == NOISE) {
            return manager.randomNormal(shape);
        }
        int one = 3 * size * size;
        float[] all = new float[batch * one];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(DeadLeaves.image(size, 1000L + b), 0, all, b * one, one);
        }
        return manager.create(all, shape);
    }
}
