package io.github.tokenreduce.bench.report;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a float32 matrix as a NumPy {@code .npy} file (format 1.0, little-endian, C order). */
public final class Npy {

    private Npy() {}

    /** Writes {@code rows} [N][D] to {@code file}. */
    public static void write(Path file, float[][] rows) throws IOException {
        int n = rows.length;
        int d = n == 0 ? 0 : rows[0].length;
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", " + d + "), }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        try (OutputStream os = Files.newOutputStream(file); DataOutputStream out = new DataOutputStream(os)) {
            out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) header.length()).array());
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer b = ByteBuffer.allocate(4 * Math.max(d, 1)).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] row : rows) {
                if (row.length != d) {
                    throw new IllegalArgumentException("rows: ragged matrix (" + row.length + " vs " + d + " columns)");
                }
                b.clear();
                for (float v : row) {
                    b.putFloat(v);
                }
                out.write(b.array(), 0, 4 * d);
            }
        }
    }
}
