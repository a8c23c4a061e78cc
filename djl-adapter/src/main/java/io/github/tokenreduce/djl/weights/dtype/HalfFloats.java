package io.github.tokenreduce.djl.weights.dtype;

/** IEEE half and bfloat16 bit patterns widened to float32, exactly, in Java (DJL crashes on bfloat16). */
public final class HalfFloats {

    private HalfFloats() {}

    /** An IEEE 754 binary16 value (low 16 bits of {@code h}) as a float. */
    public static float half(int h) {
        h &= 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            float v = mant / 1024f * (float) Math.pow(2, -14);
            return sign == 0 ? v : -v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** A bfloat16 value (low 16 bits of {@code h}) as a float: the bits become the upper half. */
    public static float bfloat16(int h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }
}
