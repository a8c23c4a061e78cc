package io.github.tokenreduce.djl.vilt;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.djl.text.TextBatch;

/**
 * One ViLT input batch: tokenised text (ids, mask, token types, [B, T]), normalised pixels
 * [B, 3, H, W] padded to a common size, and the pixel mask [B, H, W] (1 on real pixels; null
 * when every pixel is real).
 */
public record ViltBatch(TextBatch text, NDArray pixels, NDArray pixelMask) {

    public ViltBatch {
        if (text == null || pixels == null) {
            throw new IllegalArgumentException("batch: text and pixels are required");
        }
        var ps = pixels.getShape();
        if (ps.dimension() != 4 || ps.get(1) != 3) {
            throw new IllegalArgumentException("pixels: expected shape [B, 3, H, W] but got " + ps);
        }
        if (ps.get(0) != text.batch()) {
            throw new IllegalArgumentException("pixels: " + ps.get(0) + " images for " + text.batch()
                    + " texts; expected one image per text");
        }
        if (pixelMask != null && !pixelMask.getShape().equals(new ai.djl.ndarray.types.Shape(ps.get(0), ps.get(2),
                ps.get(3)))) {
            throw new IllegalArgumentException("pixelMask: expected shape [B, H, W] = (" + ps.get(0) + ", "
                    + ps.get(2) + ", " + ps.get(3) + ") but got " + pixelMask.getShape());
        }
    }
}
