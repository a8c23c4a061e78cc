package io.github.tokenreduce.djl.clip;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * CLIP's image preprocessing: resize the short side to {@code size} with bicubic resampling
 * (antialiased, as PIL does when shrinking), centre crop to {@code size × size}, scale to [0, 1] and
 * normalise with CLIP's mean and std. Output [3, size, size] or [B, 3, size, size], RGB.
 */
public final class ClipImageProcessor {

    /** CLIP's per-channel mean (RGB). */
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    /** CLIP's per-channel std (RGB). */
    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final int size;

    public ClipImageProcessor(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size: must be >= 1 but was " + size);
        }
        this.size = size;
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
        BufferedImage img = javax.imageio.ImageIO.read(file.toFile());
        if (img == null) {
            throw new IllegalArgumentException("image: cannot decode " + file);
        }
        return toTensor(manager, img);
    }

    /** Pixels [3, size, size] of {@code image}. */
    public NDArray toTensor(NDManager manager, BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int nw = w <= h ? size : (int) ((long) size * w / h);
        int nh = w <= h ? (int) ((long) size * h / w) : size;
        float[][] rgb = new float[3][w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = image.getRGB(x, y);
                rgb[0][y * w + x] = (p >> 16) & 0xff;
                rgb[1][y * w + x] = (p >> 8) & 0xff;
                rgb[2][y * w + x] = p & 0xff;
            }
        }
        int top = (int) Math.rint((nh - size) / 2.0);
        int left = (int) Math.rint((nw - size) / 2.0);
        float[] out = new float[3 * size * size];
        for (int c = 0; c < 3; c++) {
            float[] resized = resize(rgb[c], w, h, nw, nh);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float v = Math.max(0f, Math.min(255f, resized[(y + top) * nw + x + left])) / 255f;
                    out[(c * size + y) * size + x] = (v - MEAN[c]) / STD[c];
                }
            }
        }
        return manager.create(out, new Shape(3, size, size));
    }

    /** Separable antialiased bicubic resampling (a = -0.5), PIL's algorithm. */
    static float[] resize(float[] src, int w, int h, int nw, int nh) {
        float[] horizontal = new float[nw * h];
        Kernel kx = new Kernel(w, nw);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < nw; x++) {
                double acc = 0;
                for (int k = 0; k < kx.count[x]; k++) {
                    acc += kx.weights[x][k] * src[y * w + kx.first[x] + k];
                }
                horizontal[y * nw + x] = (float) acc;
            }
        }
        float[] out = new float[nw * nh];
        Kernel ky = new Kernel(h, nh);
        for (int y = 0; y < nh; y++) {
            for (int x = 0; x < nw; x++) {
                double acc = 0;
                for (int k = 0; k < ky.count[y]; k++) {
                    acc += ky.weights[y][k] * horizontal[(ky.first[y] + k) * nw + x];
                }
                out[y * nw + x] = (float) acc;
            }
        }
        return out;
    }

    /** Per-output-pixel taps of the bicubic filter, widened by the shrink factor. */
    private static final class Kernel {
        final int[] first;
        final int[] count;
        final double[][] weights;

        Kernel(int in, int out) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = 2.0 * filterScale;
            first = new int[out];
            count = new int[out];
            weights = new double[out][];
            for (int i = 0; i < out; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), in);
                double[] w = new double[hi - lo];
                double sum = 0;
                for (int j = lo; j < hi; j++) {
                    w[j - lo] = cubic((j - center + 0.5) / filterScale);
                    sum += w[j - lo];
                }
                for (int j = 0; j < w.length; j++) {
                    w[j] = sum == 0 ? 0 : w[j] / sum;
                }
                first[i] = lo;
                count[i] = w.length;
                weights[i] = w;
            }
        }

        private static double cubic(double x) {
            double a = -0.5;
            x = Math.abs(x);
            if (x < 1) {
                return ((a + 2) * x - (a + 3)) * x * x + 1;
            }
            if (x < 2) {
                return (((x - 5) * x + 8) * x - 4) * a;
            }
            return 0;
        }
    }
}
