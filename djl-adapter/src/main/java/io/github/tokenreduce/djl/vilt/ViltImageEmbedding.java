package io.github.tokenreduce.djl.vilt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * ViLT's image tokens (Hugging Face {@code ViltEmbeddings.visual_embed}): patches of the padded
 * image, the patch mask from the pixel mask (nearest), per-image position embeddings resized
 * bilinearly with aligned corners to the image's valid grid and zero-padded, the kept patches
 * (valid row-major, then the first padding patches row-major) and the image [CLS] in front.
 */
final class ViltImageEmbedding {

    private final ViltConfig config;
    private final ViltWeights weights;

    ViltImageEmbedding(ViltConfig config, ViltWeights weights) {
        this.config = config;
        this.weights = weights;
    }

    /** Image tokens [B, 1 + K, C] and their mask [B, 1 + K]. */
    record Embedded(NDArray tokens, NDArray mask) {}

    Embedded embed(NDArray pixels, NDArray pixelMask) {
        NDManager m = pixels.getManager();
        Shape s = pixels.getShape();
        int b = (int) s.get(0);
        int height = (int) s.get(2);
        int width = (int) s.get(3);
        int p = config.patch();
        int hp = height / p;
        int wp = width / p;
        if (hp == 0 || wp == 0) {
            throw new IllegalArgumentException("pixels: " + height + "x" + width + " is smaller than one " + p
                    + "-pixel patch");
        }
        long c = config.width();
        NDArray x = pixels.get(":, :, :" + hp * p + ", :" + wp * p).reshape(b, 3, hp, p, wp, p)
                .transpose(0, 2, 4, 1, 3, 5).reshape(b, (long) hp * wp, 3L * p * p)
                .matMul(weights.patchT()).add(weights.patchB()); // [B, Hp·Wp, C]
        // patch mask: nearest sample of the pixel mask at (floor(i·H/Hp), floor(j·W/Wp))
        int[][] valid = new int[b][hp * wp];
        long[] pm = pixelMask == null ? null : pixelMask.toType(DataType.INT64, false).toLongArray();
        int[] rows = new int[b];
        int[] cols = new int[b];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < hp; i++) {
                for (int j = 0; j < wp; j++) {
                    int y = (int) ((long) i * height / hp);
                    int xx = (int) ((long) j * width / wp);
                    valid[n][i * wp + j] = pm == null || pm[(n * height + y) * width + xx] != 0 ? 1 : 0;
                }
            }
            for (int i = 0; i < hp; i++) {
                rows[n] += valid[n][i * wp];
            }
            for (int j = 0; j < wp; j++) {
                cols[n] += valid[n][j];
            }
            if (rows[n] == 0 || cols[n] == 0) {
                throw new IllegalArgumentException("pixelMask: image " + n + " has no valid patch");
            }
        }
        int keep = 0;
        for (int n = 0; n < b; n++) {
            keep = Math.max(keep, rows[n] * cols[n]);
        }
        if (config.maxImageLength() > 0) {
            keep = Math.min(keep, config.maxImageLength());
        }
        long[] select = new long[b * keep];
        float[] keptMask = new float[b * (keep + 1)];
        NDList positions = new NDList();
        for (int n = 0; n < b; n++) {
            int k = 0;
            for (int pass = 1; pass >= 0 && k < keep; pass--) {
                for (int q = 0; q < hp * wp && k < keep; q++) {
                    if (valid[n][q] == pass) {
                        select[n * keep + k] = q;
                        keptMask[n * (keep + 1) + 1 + k] = pass;
                        k++;
                    }
                }
            }
            keptMask[n * (keep + 1)] = 1f;
            positions.add(resizedPositions(m, rows[n], cols[n], hp, wp));
        }
        NDArray idx = m.create(select, new Shape(b, keep)).toDevice(x.getDevice(), false);
        NDArray pos = NDArrays.stack(positions, 0); // [B, Hp·Wp, C]
        NDArray gather = idx.expandDims(2).broadcast(b, keep, c);
        NDArray patches = x.gather(gather, 1).add(pos.gather(gather, 1));
        NDArray cls = weights.cls().add(weights.positions().get(0)).reshape(1, 1, c).broadcast(b, 1, c);
        NDArray tokens = NDArrays.concat(new NDList(cls, patches), 1);
        NDArray mask = m.create(keptMask, new Shape(b, keep + 1)).toDevice(x.getDevice(), false);
        return new Embedded(tokens, mask);
    }

    /**
     * The G×G patch position grid resized bilinearly (align corners) to {@code h × w}, zero-padded
     * to {@code hp × wp}, flattened row-major: [hp·wp, C].
     */
    private NDArray resizedPositions(NDManager m, int h, int w, int hp, int wp) {
        int g = config.grid();
        long c = config.width();
        NDArray grid = weights.positions().get("1:").reshape(g, g, c).transpose(2, 0, 1); // [C, G, G]
        NDArray rowsW = m.create(interpolation(h, hp, g), new Shape(hp, g)).toDevice(grid.getDevice(), false);
        NDArray colsW = m.create(interpolation(w, wp, g), new Shape(wp, g)).toDevice(grid.getDevice(), false);
        NDArray out = rowsW.expandDims(0).broadcast(c, hp, g).matMul(grid)
                .matMul(colsW.transpose().expandDims(0).broadcast(c, g, wp)); // [C, hp, wp]
        return out.reshape(c, (long) hp * wp).transpose();
    }

    /** Weights [padded, g] of 1-D linear interpolation with aligned corners to {@code size}; rows past it are 0. */
    private static float[] interpolation(int size, int padded, int g) {
        float[] w = new float[padded * g];
        for (int i = 0; i < size; i++) {
            double src = size == 1 ? 0 : i * (double) (g - 1) / (size - 1);
            int lo = (int) Math.floor(src);
            int hi = Math.min(lo + 1, g - 1);
            double frac = src - lo;
            w[i * g + lo] += (float) (1 - frac);
            w[i * g + hi] += (float) frac;
        }
        return w;
    }
}
