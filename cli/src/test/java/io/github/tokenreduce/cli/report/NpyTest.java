package io.github.tokenreduce.cli.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link Npy}: after every append the file is a complete .npy of the rows so far (read here as
 * numpy.load does: the header's shape, then that many values); bytes a killed append left are cut
 * off on resume; a file that is not such an array is refused with what was wrong.
 */
public class NpyTest {

    @TempDir
    Path tmp;

    /** The array in {@code file} as numpy.load reads it: header checked (1.0, f4, C order), then N × D values. */
    public static float[][] read(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        all.get(magic);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, magic, "format 1.0");
        byte[] header = new byte[Short.toUnsignedInt(all.getShort())];
        all.get(header);
        assertEquals(0, all.position() % 64, "header padded to 64 bytes");
        String h = new String(header, StandardCharsets.US_ASCII);
        Matcher m = Pattern.compile("^\\{'descr': '<f4', 'fortran_order': False, 'shape': \\((\\d+), (\\d+)\\), \\} *\n$")
                .matcher(h);
        assertTrue(m.matches(), h);
        float[][] out = new float[Integer.parseInt(m.group(1))][Integer.parseInt(m.group(2))];
        FloatBuffer values = all.asFloatBuffer();
        for (float[] row : out) {
            values.get(row);
        }
        return out;
    }

    private static void assertRows(float[][] want, float[][] got) {
        assertEquals(want.length, got.length, "rows");
        for (int i = 0; i < want.length; i++) {
            assertArrayEquals(want[i], got[i], "row " + i);
        }
    }

    @Test
    void everyAppendLeavesACompleteFile() throws IOException {
        Path f = tmp.resolve("e.npy");
        float[][] first = {{1f, -2f, 3.5f}, {0f, 1e-7f, -0f}};
        float[][] second = {{7f, 8f, 9f}};
        try (Npy npy = Npy.create(f)) {
            assertRows(new float[0][0], read(f));
            npy.append(first);
            assertRows(first, read(f));
            assertEquals(10 + 118 + 2 * 3 * 4, Files.size(f), "128-byte header, then exactly the rows");
            npy.append(second);
            assertRows(new float[][] {first[0], first[1], second[0]}, read(f));
            assertEquals(3, npy.rows());
            assertEquals(3, npy.columns());
        }
    }

    @Test
    void resumeCutsOffWhatAKilledAppendLeftAndGoesOn() throws IOException {
        Path f = tmp.resolve("e.npy");
        float[][] rows = {{1f, 2f}, {3f, 4f}};
        try (Npy npy = Npy.create(f)) {
            npy.append(rows);
        }
        // a killed append: 1.5 rows written, the header not yet updated
        Files.write(f, new byte[12], StandardOpenOption.APPEND);
        assertRows(rows, read(f));
        try (Npy npy = Npy.resume(f)) {
            assertEquals(2, npy.rows());
            assertEquals(10 + 118 + 16, Files.size(f), "the partial rows are gone");
            npy.append(new float[][] {{5f, 6f}});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> npy.append(new float[][] {{1f, 2f, 3f}}));
            assertTrue(e.getMessage().contains("rows of 2 values; a row to append has 3"), e.getMessage());
            npy.truncate(1);
        }
        assertRows(new float[][] {{1f, 2f}}, read(f));
        assertEquals(10 + 118 + 8, Files.size(f));
    }

    @Test
    void resumeRefusesWhatIsNoFloat32MatrixOrIsShort() throws IOException {
        Path notNpy = Files.writeString(tmp.resolve("a.npy"), "hello, this is text and no array at all");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.resume(notNpy));
        assertTrue(e.getMessage().contains("not a NumPy .npy file"), e.getMessage());

        Path f64 = tmp.resolve("b.npy");
        Files.write(f64, npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", 16));
        e = assertThrows(IllegalArgumentException.class, () -> Npy.resume(f64));
        assertTrue(e.getMessage().contains("'<f8'") && e.getMessage().contains("expected a float32"), e.getMessage());

        Path shortFile = tmp.resolve("c.npy");
        Files.write(shortFile, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", 8));
        e = assertThrows(IllegalArgumentException.class, () -> Npy.resume(shortFile));
        assertTrue(e.getMessage().contains("holds 8 bytes of data") && e.getMessage().contains("3 × 2"), e.getMessage());

        Path cut = tmp.resolve("d.npy");
        Files.write(cut, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 100, 0, '{'});
        e = assertThrows(IllegalArgumentException.class, () -> Npy.resume(cut));
        assertTrue(e.getMessage().contains("header of 100 bytes in a 11-byte file"), e.getMessage());
    }

    /** A format-1.0 file with {@code dict} as its header (64-byte aligned) and {@code dataBytes} zero bytes. */
    private static byte[] npy(String dict, int dataBytes) {
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
