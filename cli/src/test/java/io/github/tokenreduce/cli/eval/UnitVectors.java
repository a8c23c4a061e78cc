package io.github.tokenreduce.cli.eval;

/** Unit vectors in the plane at given angles: their cosines are known by hand. */
public final class UnitVectors {

    private UnitVectors() {}

    /** The unit vector at {@code degrees} from the x axis. */
    public static float[] at(double degrees) {
        double r = Math.toRadians(degrees);
        return new float[] {(float) Math.cos(r), (float) Math.sin(r)};
    }
}
