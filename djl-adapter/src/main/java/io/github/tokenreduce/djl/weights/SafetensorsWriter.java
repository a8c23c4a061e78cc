package io.github.tokenreduce.djl.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes tensors in the safetensors format as F32, F16 or BF16 (I64 for integer tensors), for
 * converting checkpoints and storing learned reduction parameters (cross-token offsets, MADTP
 * dictionaries).
 */
public final class SafetensorsWriter {

    /** Float encoding on disk. */
    public enum Encoding { F32, F16, BF16 }

    private SafetensorsWriter() {}

    /** Writes {@code tensors} to {@code file} with floats stored as {@code encoding}. */
    public static void write(Path file, Map<String, NDArray> tensors, Encoding encoding) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        byte[][] blobs = new byte[tensors.size()][];
        int k = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            boolean integer = a.getDataType().isInteger();
            String dtype = integer ? "I64" : encoding.name();
            blobs[k] = integer ? longs(a) : floats(a, encoding);
            header.append(k == 0 ? "" : ",").append('"').append(e.getKey()).append("\":{\"dtype\":\"")
                    .append(dtype).append("\",\"shape\":[");
            long[] dims = a.getShape().getShape();
            for (int i = 0; i < dims.length; i++) {
                header.append(i == 0 ? "" : ",").append(dims[i]);
            }
            header.append("],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + blobs[k].length).append("]}");
            offset += blobs[k].length;
            k++;
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            for (byte[] b : blobs) {
                out.write(b);
            }
        }
    }

    private static byte[] longs(NDArray a) {
        long[] v = a.toType(DataType.INT64, false).toLongArray();
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    private static byte[] floats(NDArray a, Encoding enc) {
        float[] v = a.toType(DataType.FLOAT32, false).toFloatArray();
        int w = enc == Encoding.F32 ? 4 : 2;
        ByteBuffer b = ByteBuffer.allocate(v.length * w).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            switch (enc) {
                case F32 -> b.putFloat(x);
                case BF16 -> b.putShort((short) (roundToBf16(Float.floatToIntBits(x)) >>> 16));
                default -> b.putShort(toHalf(x));
            }
        }
        return b.array();
    }

    private static int roundToBf16(int bits) {
        return bits + 0x7fff + ((bits >>> 16) & 1); // round half to even
    }

    private static short toHalf(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        if (exp <= 0) {
            if (exp < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - exp;
            int half = mant >> shift;
            if (((mant >> (shift - 1)) & 1) != 0) {
                half++;
            }
            return (short) (sign | half);
        }
        if (exp >= 31) {
            return (short) (sign | 0x7c00);
        }
        int half = sign | (exp << 10) | (mant >> 13);
        if ((mant & 0x1000) != 0) {
            half++;
        }
        return (short) half;
    }
}
