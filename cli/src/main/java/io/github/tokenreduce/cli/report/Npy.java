package io.github.tokenreduce.cli.report;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A float32 [N, D] NumPy {@code .npy} file (format 1.0, little-endian, C order) that grows by whole
 * rows and is a valid file after every {@link #append}: the rows are written first, then N in a
 * header of fixed size, so a process killed mid-append leaves the rows of every completed append
 * readable ({@code numpy.load} reads the N rows the header declares; {@link #resume} cuts off the
 * partial rest).
 */
public final class Npy implements Closeable {

    /** Bytes before the data: magic, version, header length and the padded header (a multiple of 64). */
    static final int PREAMBLE = 128;
    private static final int MAX_PREAMBLE = 4096;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'<f4'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*False");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(\\s*(\\d{1,18})\\s*,\\s*(\\d{1,9})\\s*,?\\s*\\)");

    private final Path file;
    private final FileChannel channel;
    private final int preamble;
    private long rows;
    private int columns;

    private Npy(Path file, FileChannel channel, int preamble, long rows, int columns) {
        this.file = file;
        this.channel = channel;
        this.preamble = preamble;
        this.rows = rows;
        this.columns = columns;
    }

    /** A new, empty file (shape (0, 0) until the first rows), replacing any there. */
    public static Npy create(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
        Npy npy = new Npy(file, ch, PREAMBLE, 0, 0);
        npy.writeHeader();
        return npy;
    }

    /**
     * The file as it stands, to append to: its header is checked (float32, C order, two dimensions)
     * and bytes after the rows it declares (a partial append) are cut off.
     *
     * @throws IllegalArgumentException when the file is no such {@code .npy} file or holds fewer
     *     bytes than its header declares
     */
    public static Npy resume(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            read(file, ch, head, 0);
            for (int i = 0; i < MAGIC.length; i++) {
                if (head.get(i) != MAGIC[i]) {
                    throw new IllegalArgumentException(file + " is not a NumPy .npy file of format 1.0 (its first "
                            + "bytes are not \\x93NUMPY\\x01\\x00)");
                }
            }
            int preamble = 10 + Short.toUnsignedInt(head.getShort(8));
            if (preamble > MAX_PREAMBLE || ch.size() < preamble) {
                throw new IllegalArgumentException(file + " declares a header of " + (preamble - 10) + " bytes in a "
                        + ch.size() + "-byte file; expected at most " + (MAX_PREAMBLE - 10) + " bytes within the file");
            }
            ByteBuffer dict = ByteBuffer.allocate(preamble - 10);
            read(file, ch, dict, 10);
            String header = new String(dict.array(), StandardCharsets.US_ASCII);
            Matcher shape = SHAPE.matcher(header);
            if (!DESCR.matcher(header).find() || !ORDER.matcher(header).find() || !shape.find()) {
                throw new IllegalArgumentException(file + " has the header " + header.trim() + "; expected a float32 "
                        + "('<f4'), C-order, two-dimensional array");
            }
            long n = Long.parseLong(shape.group(1));
            int d = Integer.parseInt(shape.group(2));
            if (d > 0 && n > (Long.MAX_VALUE - preamble) / 4 / d) {
                throw new IllegalArgumentException(file + " declares " + n + " × " + d + " values; expected a shape "
                        + "whose byte size fits in 63 bits");
            }
            long end = preamble + n * d * 4L;
            if (ch.size() < end) {
                throw new IllegalArgumentException(file + " holds " + (ch.size() - preamble) + " bytes of data but its "
                        + "header declares " + n + " × " + d + " float32 values (" + (end - preamble) + " bytes)");
            }
            ch.truncate(end);
            return new Npy(file, ch, preamble, n, d);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Rows so far. */
    public long rows() {
        return rows;
    }

    /** Values per row (0 before the first row). */
    public int columns() {
        return columns;
    }

    /** Appends {@code more} [M][D] (D as the rows before, if any) and then records the new N. */
    public void append(float[][] more) throws IOException {
        if (more.length == 0) {
            return;
        }
        int d = rows == 0 ? more[0].length : columns;
        ByteBuffer b = ByteBuffer.allocate(4 * d * more.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : more) {
            if (row.length != d) {
                throw new IllegalArgumentException(file + " holds rows of " + d + " values; a row to append has "
                        + row.length);
            }
            for (float v : row) {
                b.putFloat(v);
            }
        }
        b.flip();
        long at = preamble + rows * d * 4L;
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
        rows += more.length;
        columns = d;
        writeHeader();
    }

    /** Keeps the first {@code n} rows only. */
    public void truncate(long n) throws IOException {
        if (n < 0 || n > rows) {
            throw new IllegalArgumentException("n: expected 0.." + rows + " rows but got " + n);
        }
        rows = n;
        writeHeader();
        channel.truncate(preamble + rows * columns * 4L);
    }

    private void writeHeader() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + columns + "), }";
        int room = preamble - 10 - 1;
        if (dict.length() > room) {
            throw new IllegalStateException(file + ": the header " + dict + " does not fit the file's " + room
                    + "-byte header");
        }
        ByteBuffer b = ByteBuffer.allocate(preamble).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putShort((short) (preamble - 10));
        b.put((dict + " ".repeat(room - dict.length()) + "\n").getBytes(StandardCharsets.US_ASCII));
        b.flip();
        long at = 0;
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
    }

    private static void read(Path file, FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at + b.position());
            if (n < 0) {
                throw new IllegalArgumentException(file + " ends after " + (at + b.position()) + " bytes, within its "
                        + "NumPy header");
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
