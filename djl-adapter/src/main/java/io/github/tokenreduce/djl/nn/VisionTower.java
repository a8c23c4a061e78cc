package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.djl.site.TowerReduction;

/**
 * A ViT image tower with a reduction site in every block, shared by the plain ViT, CLIP and BLIP:
 * patchify → {@code [cls, extra prefix, patches]} + positions → (pre-norm) → {@link ReducingEncoder}
 * → final norm on every token. Prefix tokens are protected. A method that uses a cross token
 * (CrossGET) gets one appended last, a copy of the class token, and it is dropped from the
 * output; the guide attachment marks the cross token, else the class token.
 *
 * <p>Input pixels [B, 3, S, S] (normalised); output tokens [B, N', C] with sizes and key mask.
 */
public final class VisionTower {

    private final VisionWeights weights;
    private final ReducingEncoder encoder;

    public VisionTower(VisionWeights weights, Activation activation, Matmuls matmuls) {
        this.weights = weights;
        this.encoder = new ReducingEncoder(weights.blocks(), activation, KeyMasking.WHEN_REDUCED, matmuls);
    }

    public VisionWeights weights() {
        return weights;
    }

    /** Blocks in the tower. */
    public int layers() {
        return encoder.layers();
    }

    /**
     * Runs the tower on pixels [B, 3, S, S] (any float type, moved to the weights' device).
     *
     * @param reduction the attached method, or null
     */
    public ReducingEncoder.Output forward(NDArray pixels, TowerReduction reduction) {
        return forward(pixels, reduction, null);
    }

    /** As {@link #forward(NDArray, TowerReduction)}, calling {@code observer} (may be null) after each block. */
    public ReducingEncoder.Output forward(NDArray pixels, TowerReduction reduction,
            ReducingEncoder.BlockObserver observer) {
        checkPixels(pixels);
        Shape ps = pixels.getShape();
        NDArray px = pixels.toDevice(weights.patchT().getDevice(), false).toType(DataType.FLOAT32, false);
        long b = ps.get(0);
        long c = weights.cls().getShape().get(0);
        NDArray x = patchify(px);
        NDList parts = new NDList(weights.cls().reshape(1, 1, c).broadcast(b, 1, c));
        if (weights.extraPrefix() != null) {
            parts.add(weights.extraPrefix().expandDims(0).broadcast(b, weights.prefixTokens() - 1, c));
        }
        boolean positionsOnPatches = weights.positions().getShape().get(0) != weights.tokens();
        if (positionsOnPatches) {
            x = x.add(weights.positions().expandDims(0));
        }
        parts.add(x);
        x = NDArrays.concat(parts, 1);
        if (!positionsOnPatches) {
            x = x.add(weights.positions().expandDims(0));
        }
        boolean cross = reduction != null && reduction.reducer().usesCrossToken();
        if (cross) {
            x = NDArrays.concat(new NDList(x, x.get(":, 0:1, :")), 1);
        }
        if (weights.lnPre() != null) {
            x = Ops.layerNorm(x, weights.lnPre());
        }
        int n = (int) x.getShape().get(1);
        int[] prot = new int[weights.prefixTokens() + (cross ? 1 : 0)];
        for (int i = 0; i < weights.prefixTokens(); i++) {
            prot[i] = i;
        }
        if (cross) {
            prot[prot.length - 1] = -1;
        }
        TokenSet tokens = TokenSet.builder(x).protect(prot)
                .attach(ReducingEncoder.GUIDE, oneHot(x, b, n, cross ? n - 1 : 0)).build();
        ReducingEncoder.Output out = encoder.forward(tokens, reduction, false, false, observer);
        TokenSet t = cross ? ReducingEncoder.dropLast(out.tokens()) : out.tokens();
        if (weights.finalNorm() != null) {
            t = t.withHidden(Ops.layerNorm(t.hidden(), weights.finalNorm()));
        }
        return new ReducingEncoder.Output(t, out.tokensPerLayer());
    }

    /** Requires pixels of shape [B, 3, S, S] at this tower's resolution. */
    public void checkPixels(NDArray pixels) {
        long s = weights.imageSize();
        Shape ps = pixels.getShape();
        if (ps.dimension() != 4 || ps.get(1) != 3 || ps.get(2) != s || ps.get(3) != s) {
            throw new IllegalArgumentException("pixels: expected shape [B, 3, " + s + ", " + s + "] but got " + ps);
        }
    }

    private NDArray patchify(NDArray px) {
        long b = px.getShape().get(0);
        int p = weights.patch();
        long g = weights.grid();
        NDArray x = px.reshape(b, 3, g, p, g, p).transpose(0, 2, 4, 1, 3, 5).reshape(b, g * g, 3L * p * p)
                .matMul(weights.patchT());
        return weights.patchB() == null ? x : x.add(weights.patchB());
    }

    private static NDArray oneHot(NDArray like, long b, int n, int index) {
        float[] v = new float[(int) b * n];
        for (int i = 0; i < b; i++) {
            v[i * n + index] = 1f;
        }
        return like.getManager().create(v, new Shape(b, n)).toDevice(like.getDevice(), false);
    }
}
