package io.github.tokenreduce.djl.vilt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.image.Bicubic;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * ViLT's image preprocessing (Hugging Face {@code ViltImageProcessor}): resize so the shorter side
 * is {@code shorter} (384) and the longer at most {@code shorter · 1333 / 800} (639), rounded, then
 * floored to a multiple of 32, with PIL's bicubic filter; scale to [0, 1]; normalise with mean 0.5
 * and std 0.5; pad every image of the batch bottom-right to the largest height and width. Gives
 * pixels [B, 3, H, W] and the pixel mask [B, H, W] (1 on image pixels) as a {@link Padded}.
 */
public final class ViltImageProcessor {

    private static final int DIVISOR = 32;

    private final int shorter;
    private final int longer;

    /** The processor of the released ViLT checkpoints (shorter side 384). */
    public ViltImageProcessor() {
        this(384);
    }

    public ViltImageProcessor(int shorter) {
        if (shorter < DIVISOR) {
            throw new IllegalArgumentException("shorter: must be >= " + DIVISOR + " but was " + shorter);
        }
        this.shorter = shorter;
        this.longer = (int) (shorter * 1333L / 800);
    }

    /** Pixels [B, 3, H, W] and pixel mask [B, H, W]. */
    public record Padded(NDArray pixels, NDArray pixelMask) {}

    /** The resized height and width of a {@code h × w} image. */
    public int[] outputSize(int h, int w) {
        double scale = (double) shorter / Math.min(h, w);
        double nh = h < w ? shorter : scale * h;
        double nw = h < w ? scale * w : shorter;
        if (Math.max(nh, nw) > longer) {
            double s = longer / Math.max(nh, nw);
            nh *= s;
            nw *= s;
        }
        int oh = (int) (nh + 0.5) / DIVISOR * DIVISOR;
        int ow = (int) (nw + 0.5) / DIVISOR * DIVISOR;
        return new int[] {Math.max(oh, DIVISOR), Math.max(ow, DIVISOR)};
    }

    /** Preprocesses and pads a batch of images. */
    public Padded batch(NDManager manager, List<BufferedImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("images: empty batch");
        }
        int n = images.size();
        int[][] sizes = new int[n][];
        int maxH = 0;
        int maxW = 0;
        for (int i = 0; i < n; i++) {
            BufferedImage img = images.get(i);
            sizes[i] = outputSize(img.getHeight(), img.getWidth());
            maxH = Math.max(maxH, sizes[i][0]);
            maxW = Math.max(maxW, sizes[i][1]);
        }
        float[] pixels = new float[n * 3 * maxH * maxW];
        float[] mask = new float[n * maxH * maxW];
        for (int i = 0; i < n; i++) {
            BufferedImage img = images.get(i);
            float[][] rgb = Bicubic.rgb(img);
            int h = sizes[i][0];
            int w = sizes[i][1];
            for (int c = 0; c < 3; c++) {
                float[] r = Bicubic.resize(rgb[c], img.getWidth(), img.getHeight(), w, h);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float v = Math.max(0f, Math.min(255f, r[y * w + x])) / 255f;
                        pixels[((i * 3 + c) * maxH + y) * maxW + x] = (v - 0.5f) / 0.5f;
                    }
                }
            }
            for (int y = 0; y < h; y++) {
                java.util.Arrays.fill(mask, (i * maxH + y) * maxW, (i * maxH + y) * maxW + w, 1f);
            }
        }
        return new Padded(manager.create(pixels, new Shape(n, 3, maxH, maxW)),
                manager.create(mask, new Shape(n, maxH, maxW)));
    }
}
