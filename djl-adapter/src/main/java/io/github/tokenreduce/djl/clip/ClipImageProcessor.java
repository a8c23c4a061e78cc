package io.github.tokenreduce.djl.clip;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.image.Bicubic;
import io.github.tokenreduce.djl.image.ImageDecoder;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * CLIP's image preprocessing: resize the short side to {@code size} with bicubic resampling
 * (antialiased, as PIL does when shrinking), centre crop to {@code size × size}, scale to [0, 1] and
 * normalise with CLIP's mean and std (or the given ones: the same steps serve ViT and BLIP). Output
 * [3, size, size] or [B, 3, size, size], RGB.
 */
public final class ClipImageProcessor {

    /** CLIP's per-channel mean (RGB). */
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    /** CLIP's per-channel std (RGB). */
    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final int size;
    private final float[] mean;
    private final float[] std;

    public ClipImageProcessor(int size) {
        this(size, MEAN, STD);
    }

    /** As {@link #ClipImageProcessor(int)}, normalising with per-channel {@code mean} and {@code std} (RGB). */
    public ClipImageProcessor(int size, float[] mean, float[] std) {
        if (size < 1) {
            throw new IllegalArgumentException("size: must be >= 1 but was " + size);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean, std: expected 3 values each (RGB), got " + mean.length + " and "
                    + std.length);
        }
        for (float s : std) {
            if (!(s > 0f) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("std: expected positive finite values, got "
                        + java.util.Arrays.toString(std));
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("mean: expected finite values, got " + java.util.Arrays.toString(mean));
            }
        }
        this.size = size;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Pixels [B, 3, size, size] of several images. */
    public NDArray batch(NDManager manager, List<BufferedImage> images) {
        NDList list = new NDList();
        for (BufferedImage img : images) {
            list.add(toTensor(manager, img));
        }
        return NDArrays.stack(list);
    }

    /** Pixels [3, size, size] of a DJL image. */
    public NDArray toTensor(NDManager manager, Image image) {
        Object wrapped = image.getWrappedImage();
        if (wrapped instanceof BufferedImage b) {
            return toTensor(manager, b);
        }
        throw new IllegalArgumentException("image: expected a BufferedImage-backed DJL Image but got "
                + wrapped.getClass().getName());
    }

    /** Pixels [3, size, size] of an image file. */
    public NDArray toTensor(NDManager manager, Path file) throws IOException {
        return toTensor(manager, ImageDecoder.read(file));
    }

    /** Pixels [3, size, size] of {@code image}. */
    public NDArray toTensor(NDManager manager, BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int nw = w <= h ? size : (int) ((long) size * w / h);
        int nh = w <= h ? (int) ((long) size * h / w) : size;
        float[][] rgb = Bicubic.rgb(image);
        int top = (int) Math.rint((nh - size) / 2.0);
        int left = (int) Math.rint((nw - size) / 2.0);
        float[] out = new float[3 * size * size];
        for (int c = 0; c < 3; c++) {
            float[] resized = Bicubic.resize(rgb[c], w, h, nw, nh);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float v = Math.max(0f, Math.min(255f, resized[(y + top) * nw + x + left])) / 255f;
                    out[(c * size + y) * size + x] = (v - mean[c]) / std[c];
                }
            }
        }
        return manager.create(out, new Shape(3, size, size));
    }
}
