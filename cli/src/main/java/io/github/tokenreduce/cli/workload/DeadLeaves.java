package io.github.tokenreduce.cli.workload;

import java.util.Random;

/**
 * Synthetic scenes with the statistics of natural images: the dead-leaves model (Matheron 1968; Lee,
 * Mumford and Huang, "Occlusion models for natural images", IJCV 2001). Opaque discs of uniform random
 * colour, radii drawn with density {@code ∝ r⁻³} between {@link #MIN_RADIUS} and half the image,
 * fall on the image until it is covered; the result has flat regions and sharp occluding edges,
 * and (as the paper shows for this radius law, up to the cut-offs) is scale-invariant with an
 * approximately {@code 1/f²} power spectrum, as photographs are; this class tests the spatial
 * correlation only ({@code DeadLeavesTest}). A little
 * Gaussian sensor noise ({@link #NOISE}) is added, so no two patches are exactly equal.
 *
 * <p>Why a benchmark needs this: on independent random pixels every patch is equally unlike every
 * other, so a merge method chooses among near-equal similarities and any rounding changes its choice.
 * Real images have regions of near-identical patches, which is what token merging exploits.
 *
 * <p>Out: {@code [3, size, size]} values (channel-major), pixel values in [0, 1] standardised with mean
 * {@link #MEAN} and standard deviation {@link #STD}, close to CLIP's and ImageNet's normalisation.
 */
public final class DeadLeaves {

    /**
     * The smallest disc radius, in pixels (a quarter of a ViT patch): with it, neighbouring pixels
     * correlate at about 0.9 and pixels a patch apart (16) at about 0.3, averaged over scenes.
     */
    static final double MIN_RADIUS = 4;
    /** Standard deviation of the sensor noise, in [0, 1] pixel units. */
    static final double NOISE = 0.02;
    static final float MEAN = 0.5f;
    static final float STD = 0.25f;
    /** Discs drawn at most per image (coverage is usually complete long before). */
    private static final int MAX_DISCS = 200_000;

    private DeadLeaves() {}

    /**
     * One scene of {@code size × size} pixels, determined by {@code seed}.
     *
     * @throws IllegalArgumentException when {@code size < 8}
     */
    public static float[] image(int size, long seed) {
        if (size < 8) {
            throw new IllegalArgumentException("size: got " + size + " pixels; expected at least 8");
        }
        Random rnd = new Random(seed);
        int area = size * size;
        float[] out = new float[3 * area];
        boolean[] painted = new boolean[area];
        int left = area;
        double maxRadius = size / 2.0;
        double a = 1 / (MIN_RADIUS * MIN_RADIUS);
        double b = 1 / (maxRadius * maxRadius);
        // front to back: a disc shows only where no earlier (nearer) disc lies
        for (int disc = 0; disc < MAX_DISCS && left > 0; disc++) {
            double r = 1 / Math.sqrt(a - rnd.nextDouble() * (a - b)); // inverse CDF of r^-3 on [min, max]
            double cx = rnd.nextDouble() * size;
            double cy = rnd.nextDouble() * size;
            float red = rnd.nextFloat();
            float green = rnd.nextFloat();
            float blue = rnd.nextFloat();
            int y0 = Math.max(0, (int) Math.floor(cy - r));
            int y1 = Math.min(size - 1, (int) Math.ceil(cy + r));
            int x0 = Math.max(0, (int) Math.floor(cx - r));
            int x1 = Math.min(size - 1, (int) Math.ceil(cx + r));
            for (int y = y0; y <= y1; y++) {
                double dy = y + 0.5 - cy;
                for (int x = x0; x <= x1; x++) {
                    double dx = x + 0.5 - cx;
                    int i = y * size + x;
                    if (!painted[i] && dx * dx + dy * dy <= r * r) {
                        painted[i] = true;
                        left--;
                        out[i] = red;
                        out[area + i] = green;
                        out[2 * area + i] = blue;
                    }
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = ((float) (out[i] + NOISE * rnd.nextGaussian()) - MEAN) / STD; // unpainted pixels stay black
        }
        return out;
    }
}
