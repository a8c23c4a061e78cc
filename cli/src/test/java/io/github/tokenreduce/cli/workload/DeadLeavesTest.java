package io.github.tokenreduce.cli.workload;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.cli.eval.Metrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadLeavesTest {

    private static final int SIZE = 224;

    @Test
    void aSeedFixesTheScene() {
        assertArrayEquals(DeadLeaves.image(SIZE, 3), DeadLeaves.image(SIZE, 3));
        assertFalse(java.util.Arrays.equals(DeadLeaves.image(SIZE, 3), DeadLeaves.image(SIZE, 4)));
    }

    /**
     * Natural images' statistics: neighbouring pixels nearly equal (flat regions), correlation
     * still clear at a patch's width and falling with distance (scale invariance), none of which
     * independent pixels have; every value within the standardised range of [0, 1] pixels.
     */
    @Test
    void scenesAreSpatiallyCorrelatedLikePhotographs() {
        int scenes = 8;
        float bound = (float) ((0.5 + 6 * DeadLeaves.NOISE) / DeadLeaves.STD);
        for (int c = 0; c < 3; c++) {
            double near = 0;
            double patch = 0;
            double far = 0;
            for (int s = 0; s < scenes; s++) { // averaged over scenes: one scene may be a few large discs
                float[] img = DeadLeaves.image(SIZE, s);
                assertEquals(3 * SIZE * SIZE, img.length);
                near += correlation(img, c, 1) / scenes;
                patch += correlation(img, c, 16) / scenes;
                far += correlation(img, c, 64) / scenes;
                for (float v : img) {
                    assertTrue(Math.abs(v) <= bound, "value " + v + " outside ±" + bound);
                }
            }
            assertTrue(near > 0.85, "channel " + c + ": neighbour correlation " + near);
            assertTrue(patch > 0.15 && patch < near, "channel " + c + ": correlation at 16 px " + patch);
            assertTrue(far < patch, "channel " + c + ": correlation at 64 px " + far + " vs 16 px " + patch);
        }
    }

    @Test
    void noiseHasNoSpatialCorrelation() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] img = BenchImages.NOISE.batch(m, 1, SIZE).toFloatArray();
            assertTrue(Math.abs(correlation(img, 0, 1)) < 0.05, "noise neighbour correlation " + correlation(img, 0, 1));
        }
    }

    @Test
    void batchesHaveTheModelsShapeAndDistinctImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (BenchImages kind : BenchImages.values()) {
                NDArray b = kind.batch(m, 2, 32);
                assertEquals(new Shape(2, 3, 32, 32), b.getShape(), kind.name());
                assertFalse(b.get(0).contentEquals(b.get(1)), kind + ": the two images are equal");
            }
            assertArrayEquals(DeadLeaves.image(32, 1001), BenchImages.SCENES.batch(m, 2, 32).get(1).toFloatArray());
        }
    }

    @Test
    void badSizesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeadLeaves.image(4, 1));
        assertTrue(e.getMessage().contains("size: got 4 pixels"), e.getMessage());
        try (NDManager m = NDManager.newBaseManager()) {
            e = assertThrows(IllegalArgumentException.class, () -> BenchImages.SCENES.batch(m, 0, 32));
            assertTrue(e.getMessage().contains("batch: got 0 images"), e.getMessage());
        }
    }

    /** Pearson correlation of channel {@code c} with itself shifted right by {@code d} pixels. */
    private static double correlation(float[] img, int c, int d) {
        int base = c * SIZE * SIZE;
        int n = SIZE * (SIZE - d);
        double[] left = new double[n];
        double[] right = new double[n];
        int i = 0;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x + d < SIZE; x++, i++) {
                left[i] = img[base + y * SIZE + x];
                right[i] = img[base + y * SIZE + x + d];
            }
        }
        return Metrics.pearson(left, right);
    }
}
