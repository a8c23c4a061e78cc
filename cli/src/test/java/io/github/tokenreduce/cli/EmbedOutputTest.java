package io.github.tokenreduce.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.cli.report.NpyTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * {@link EmbedOutput}: what a run leaves after each batch is readable; a resumed run keeps exactly
 * the rows that have an id, whatever a killed run left half-written; skips go to errors.txt.
 */
class EmbedOutputTest {

    @TempDir
    Path dir;

    private List<String> ids() throws IOException {
        return Files.readAllLines(dir.resolve(EmbedOutput.IDS), StandardCharsets.UTF_8);
    }

    @Test
    void eachBatchIsOnDiskBeforeTheNext() throws IOException {
        try (EmbedOutput out = EmbedOutput.open(dir, false)) {
            out.add(List.of("a.png", "b.png"), new float[][] {{1f, 0f}, {0f, 1f}});
            // not closed yet: what a crash now would leave
            assertEquals(List.of("a.png", "b.png"), ids());
            assertArrayEquals(new float[] {0f, 1f}, NpyTest.read(dir.resolve(EmbedOutput.EMBEDDINGS))[1]);
            out.skip("c.jpg", "image c.jpg cannot be decoded:\nbad");
            assertEquals(List.of("c.jpg\timage c.jpg cannot be decoded: bad"),
                    Files.readAllLines(dir.resolve(EmbedOutput.ERRORS)), "one line per skipped input");
            assertEquals(new EmbedOutput.Summary(2, 2, 0, 1), out.summary());
        }
    }

    @Test
    void resumeKeepsTheRowsThatHaveAnIdAndDropsWhatAKilledBatchLeft() throws IOException {
        try (EmbedOutput out = EmbedOutput.open(dir, false)) {
            out.add(List.of("1", "2"), new float[][] {{1f, 1f}, {2f, 2f}});
            out.skip("3", "line 3 is not valid UTF-8");
        }
        // killed mid-batch: its ids flushed (one of them partly), its rows partly written, the count not updated
        Files.writeString(dir.resolve(EmbedOutput.IDS), "4\n5\n6", StandardOpenOption.APPEND);
        Files.write(dir.resolve(EmbedOutput.EMBEDDINGS), new byte[10], StandardOpenOption.APPEND);
        try (EmbedOutput out = EmbedOutput.open(dir, true)) {
            assertTrue(out.done("1") && out.done("2"));
            assertFalse(out.done("4") || out.done("3"), "only ids with a row are done");
            assertEquals(new EmbedOutput.Summary(2, 2, 2, 0), out.summary());
            assertEquals(List.of("1", "2"), ids());
            assertEquals(List.of(), Files.readAllLines(dir.resolve(EmbedOutput.ERRORS)), "errors.txt is this run's");
            out.add(List.of("4"), new float[][] {{4f, 4f}});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> out.add(List.of("5"), new float[][] {{1f, 2f, 3f}}));
            assertTrue(e.getMessage().contains("holds rows of 2 values but this model gives 3"), e.getMessage());
        }
        assertEquals(List.of("1", "2", "4"), ids());
        float[][] rows = NpyTest.read(dir.resolve(EmbedOutput.EMBEDDINGS));
        assertEquals(3, rows.length);
        assertArrayEquals(new float[] {4f, 4f}, rows[2]);
    }

    @Test
    void resumeDropsRowsWithoutAnId() throws IOException {
        try (EmbedOutput out = EmbedOutput.open(dir, false)) {
            out.add(List.of("x", "y"), new float[][] {{1f}, {2f}});
        }
        Files.writeString(dir.resolve(EmbedOutput.IDS), "x\ny"); // y's line break lost
        try (EmbedOutput out = EmbedOutput.open(dir, true)) {
            assertEquals(1, out.summary().rows());
            assertFalse(out.done("y"), "y is embedded again");
        }
        assertEquals(List.of("x"), ids());
    }

    @Test
    void withoutResumeARunStartsAfresh() throws IOException {
        try (EmbedOutput out = EmbedOutput.open(dir, false)) {
            out.add(List.of("x"), new float[][] {{1f}});
        }
        try (EmbedOutput out = EmbedOutput.open(dir, false)) {
            assertFalse(out.done("x"));
            assertEquals(0, out.summary().rows());
        }
        assertEquals(List.of(), ids());
        assertEquals(0, NpyTest.read(dir.resolve(EmbedOutput.EMBEDDINGS)).length);
    }
}
