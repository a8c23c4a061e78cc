package io.github.tokenreduce.djl.image;

import java.awt.image.BufferedImage;

/**
 * PIL's bicubic resampling (a = -0.5, antialiased when shrinking: the filter widens by the shrink
 * factor), separable, on one channel of 0–255 values; and RGB extraction. Shared by the models'
 * image processors so their pixels match the Python preprocessing they were trained with.
 */
public final class Bicubic {

    private Bicubic() {}

    /** The image's R, G and B planes [3][h·w], values 0–255, row-major. */
    public static float[][] rgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        float[][] rgb = new float[3][w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = image.getRGB(x, y);
                rgb[0][y * w + x] = (p >> 16) & 0xff;
                rgb[1][y * w + x] = (p >> 8) & 0xff;
                rgb[2][y * w + x] = p & 0xff;
            }
        }
        return rgb;
    }

    /** One channel [h·w] resized to [nh·nw]: separable antialiased bicubic resampling (a = -0.5), PIL's algorithm. */
    public static float[] resize(float[] src, int w, int h, int nw, int nh) {
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
