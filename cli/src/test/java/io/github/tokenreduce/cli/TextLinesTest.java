package io.github.tokenreduce.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@link TextLines}: line numbers as an editor shows them; a bad line is an error for that line only. */
class TextLinesTest {

    @TempDir
    Path tmp;

    private List<TextLines.Line> lines(byte[] content) throws IOException {
        Path f = Files.write(tmp.resolve("t.txt"), content);
        List<TextLines.Line> out = new ArrayList<>();
        try (TextLines in = TextLines.open(f)) {
            for (TextLines.Line l = in.next(); l != null; l = in.next()) {
                out.add(l);
            }
        }
        assertEquals(out.size(), TextLines.count(f), "count() agrees with next()");
        return out;
    }

    @Test
    void crlfBomBlankAndALastLineWithoutBreak() throws IOException {
        byte[] text = "\uFEFFfirst\r\n\nthird ünïcode\nlast".getBytes(StandardCharsets.UTF_8);
        List<TextLines.Line> l = lines(text);
        assertEquals(List.of("first", "", "third ünïcode", "last"), l.stream().map(TextLines.Line::text).toList());
        assertEquals(List.of(1, 2, 3, 4), l.stream().map(TextLines.Line::number).toList());
        assertEquals(2, lines("a\nb\n".getBytes(StandardCharsets.UTF_8)).size(), "a final line break ends, not starts, a line");
        assertEquals(0, lines(new byte[0]).size());
    }

    @Test
    void invalidUtf8SpoilsOnlyItsLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("good\nba".getBytes(StandardCharsets.UTF_8));
        b.write(0xC3); // a lead byte followed by an ASCII byte: malformed
        b.writeBytes("d\nafter\n".getBytes(StandardCharsets.UTF_8));
        List<TextLines.Line> l = lines(b.toByteArray());
        assertEquals(3, l.size());
        assertEquals("good", l.get(0).text());
        assertNull(l.get(1).text());
        assertEquals("line 2 is not valid UTF-8: byte 0xC3 at offset 2", l.get(1).error());
        assertEquals("after", l.get(2).text());
        assertEquals(3, l.get(2).number());
    }

    @Test
    void anOverlongLineIsAnErrorAndReadingGoesOn() throws IOException {
        byte[] big = new byte[TextLines.MAX_LINE_BYTES + 10];
        java.util.Arrays.fill(big, (byte) 'x');
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(big);
        b.writeBytes("\nnext\n".getBytes(StandardCharsets.UTF_8));
        List<TextLines.Line> l = lines(b.toByteArray());
        assertEquals(2, l.size());
        assertTrue(l.get(0).error().startsWith("line 1 is longer than"), l.get(0).error());
        assertEquals("next", l.get(1).text());
    }
}
