package io.github.tokenreduce.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The lines of a UTF-8 text file ({@code \n} or {@code \r\n} line breaks, a leading byte-order mark
 * dropped), one at a time and bounded: a line that is not valid UTF-8 or longer than
 * {@link #MAX_LINE_BYTES} comes back as an error for that line, and reading goes on.
 */
final class TextLines implements Closeable {

    /** The longest line read, in bytes (far beyond the 512 tokens an encoder takes). */
    static final int MAX_LINE_BYTES = 1 << 20;

    /** Line {@code number} (from 1): its text, or why it has none. */
    record Line(int number, String text, String error) {}

    private final InputStream in;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private int number;

    private TextLines(InputStream in) {
        this.in = in;
    }

    static TextLines open(Path file) throws IOException {
        return new TextLines(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    }

    /** The number of lines in {@code file} (what {@link #next} returns before null). */
    static int count(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            int lines = 0;
            boolean open = false;
            for (int b = in.read(); b >= 0; b = in.read()) {
                open = b != '\n';
                lines += open ? 0 : 1;
            }
            return lines + (open ? 1 : 0);
        }
    }

    /** The next line, or null at the end of the file. */
    Line next() throws IOException {
        buf.reset();
        boolean tooLong = false;
        int b = in.read();
        if (b < 0) {
            return null;
        }
        for (; b >= 0 && b != '\n'; b = in.read()) {
            if (buf.size() < MAX_LINE_BYTES) {
                buf.write(b);
            } else {
                tooLong = true;
            }
        }
        number++;
        if (tooLong) {
            return new Line(number, null, "line " + number + " is longer than " + MAX_LINE_BYTES + " bytes");
        }
        byte[] bytes = buf.toByteArray();
        int start = number == 1 && bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        int end = bytes.length > start && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        ByteBuffer src = ByteBuffer.wrap(bytes, start, end - start);
        CharBuffer dst = CharBuffer.allocate(end - start);
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CoderResult r = dec.decode(src, dst, true);
        if (!r.isError()) {
            r = dec.flush(dst);
        }
        if (r.isError()) {
            return new Line(number, null, String.format(Locale.ROOT, "line %d is not valid UTF-8: byte 0x%02X at "
                    + "offset %d", number, bytes[src.position()] & 0xff, src.position()));
        }
        return new Line(number, dst.flip().toString(), null);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
