package io.github.tokenreduce.djl.vilt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.nn.Ops;

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

    /**
     * Embeds pixels [B, 3, H, W] with their pixel mask [B, H, W] (null: every pixel real). Every
     * per-image value (the patch mask, the valid grid, the resized positions, the patch order) is
     * computed from the arrays, so an ONNX trace holds it; only the number of patch tokens K is read:
     * the batch's largest valid count, or with {@code fullGrid} every patch of the padded image
     * (both capped by {@code max_image_length}).
     */
    Embedded embed(NDArray pixels, NDArray pixelMask, boolean fullGrid) {
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
        int n = hp * wp;
        long c = config.width();
        NDArray x = pixels.get(":, :, :" + hp * p + ", :" + wp * p).reshape(b, 3, hp, p, wp, p)
                .transpose(0, 2, 4, 1, 3, 5).reshape(b, n, 3L * p * p)
                .matMul(weights.patchT()).add(weights.patchB()); // [B, Hp·Wp, C]
        NDArray valid = patchMask(m, pixels, pixelMask, hp, wp); // [B, Hp·Wp], 1 on valid patches
        NDArray grid = valid.reshape(b, hp, wp);
        NDArray rows = grid.get(":, :, 0").sum(new int[] {1}); // valid rows, counted on column 0
        NDArray cols = grid.get(":, 0, :").sum(new int[] {1}); // valid columns, counted on row 0
        float[] smallest = rows.minimum(cols).toFloatArray();
        for (int i = 0; i < b; i++) {
            if (smallest[i] == 0) {
                throw new IllegalArgumentException("pixelMask: image " + i + " has no valid patch");
            }
        }
        int keep = fullGrid ? n : (int) rows.mul(cols).max().getFloat();
        if (config.maxImageLength() > 0) {
            keep = Math.min(keep, config.maxImageLength());
        }
        // valid patches row-major, then padding patches row-major: ascending (1 - valid)·N + index
        NDArray index = m.arange(0f, (float) n, 1f, DataType.FLOAT32).toDevice(x.getDevice(), false);
        NDArray order = valid.neg().add(1f).mul((float) n).add(index).argSort(1, true).get(":, :" + keep);
        NDArray pos = positions(m, rows, cols, hp, wp); // [B, Hp·Wp, C]
        NDArray patches = Tensors.gatherTokens(x.add(pos), order);
        NDArray cls = weights.cls().add(weights.positions().get(0)).reshape(1, 1, c).broadcast(b, 1, c);
        NDArray tokens = NDArrays.concat(new NDList(cls, patches), 1);
        NDArray kept = valid.gather(order, 1);
        NDArray mask = NDArrays.concat(new NDList(kept.get(":, :1").onesLike(), kept), 1);
        return new Embedded(tokens, mask);
    }

    /**
     * The patch mask [B, Hp·Wp] (float32, 1 valid): the pixel mask sampled nearest at
     * (floor(i·H/Hp), floor(j·W/Wp)), all ones without a pixel mask.
     */
    private static NDArray patchMask(NDManager m, NDArray pixels, NDArray pixelMask, int hp, int wp) {
        Shape s = pixels.getShape();
        long b = s.get(0);
        int height = (int) s.get(2);
        int width = (int) s.get(3);
        if (pixelMask == null) {
            return m.ones(new Shape(b, (long) hp * wp)).toDevice(pixels.getDevice(), false);
        }
        long[] at = new long[hp * wp];
        for (int i = 0; i < hp; i++) {
            for (int j = 0; j < wp; j++) {
                at[i * wp + j] = (long) i * height / hp * width + (long) j * width / wp;
            }
        }
        NDArray idx = m.create(at).toDevice(pixels.getDevice(), false).expandDims(0).broadcast(b, (long) hp * wp);
        return pixelMask.toType(DataType.FLOAT32, false).reshape(b, (long) height * width).gather(idx, 1).abs()
                .gt(0f).toType(DataType.FLOAT32, false);
    }

    /**
     * Each image's G×G patch position grid resized bilinearly (align corners) to its valid
     * {@code rows × cols} ([B] float32 counts), zero-padded to {@code hp × wp}, flattened
     * row-major: [B, hp·wp, C]. The interpolation weights of every count are a table the counts pick
     * rows of.
     */
    private NDArray positions(NDManager m, NDArray rows, NDArray cols, int hp, int wp) {
        int g = config.grid();
        long c = config.width();
        long b = rows.getShape().get(0);
        NDArray table = weights.positions().get("1:").reshape(g, (long) g * c); // [G(u), G(v)·C]
        NDArray rowW = Ops.embed(interpolationTable(m, hp, g).toDevice(table.getDevice(), false),
                rows.toType(DataType.INT64, false)).reshape(b, hp, g);
        NDArray colW = Ops.embed(interpolationTable(m, wp, g).toDevice(table.getDevice(), false),
                cols.toType(DataType.INT64, false)).reshape(b, wp, g);
        NDArray out = rowW.matMul(table).reshape(b, hp, g, c).transpose(0, 1, 3, 2) // [B, hp, C, G(v)]
                .matMul(colW.transpose(0, 2, 1).expandDims(1)); // [B, hp, C, wp]
        return out.transpose(0, 1, 3, 2).reshape(b, (long) hp * wp, c);
    }

    /** Row {@code size} (0 to {@code padded}): the {@link #interpolation} weights to {@code size}, [padded + 1, padded·g]. */
    private static NDArray interpolationTable(NDManager m, int padded, int g) {
        float[] t = new float[(padded + 1) * padded * g];
        for (int size = 1; size <= padded; size++) {
            System.arraycopy(interpolation(size, padded, g), 0, t, size * padded * g, padded * g);
        }
        return m.create(t, new Shape(padded + 1, (long) padded * g));
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
