package io.github.tokenreduce.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

/**
 * {@link Tensors#blockUnless}: bit for bit {@code keep ? s : NEG} (counted in Java) for scores {@code >= NEG}, with
 * the mask given per row, per column and per entry, on scores holding -0, NEG itself and the padding pair's 2.
 */
class BlockUnlessTest {

    private static final float[] SPECIAL = {-0f, 0f, Tensors.NEG, 2f, 1f, -1f};

    @Test
    void equalsTheSelectForScoresFromNeg() {
        int b = 2;
        int n = 6;
        Random rnd = new Random(3);
        float[] s = new float[b * n * n];
        for (int i = 0; i < s.length; i++) {
            s[i] = rnd.nextBoolean() ? SPECIAL[rnd.nextInt(SPECIAL.length)] : rnd.nextFloat() * 2 - 1;
        }
        boolean[] keep = new boolean[b * n * n];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = rnd.nextInt(3) > 0;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray scores = m.create(s, new Shape(b, n, n));
            for (Shape mask : new Shape[] {new Shape(b, n, 1), new Shape(b, 1, n), new Shape(1, n, n), new Shape(b, n, n)}) {
                boolean[] k = new boolean[(int) mask.size()];
                System.arraycopy(keep, 0, k, 0, k.length);
                float[] got = Tensors.blockUnless(scores, m.create(k, mask).toType(DataType.BOOLEAN, false))
                        .toFloatArray();
                for (int bi = 0; bi < b; bi++) {
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            long at = (mask.get(0) == 1 ? 0 : bi) * mask.get(1) * mask.get(2)
                                    + (mask.get(1) == 1 ? 0 : i) * mask.get(2) + (mask.get(2) == 1 ? 0 : j);
                            float want = k[(int) at] ? s[(bi * n + i) * n + j] : Tensors.NEG;
                            float have = got[(bi * n + i) * n + j];
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(have),
                                    "mask " + mask + " at " + bi + ", " + i + ", " + j + ": " + want + " vs " + have);
                        }
                    }
                }
            }
        }
    }
}
