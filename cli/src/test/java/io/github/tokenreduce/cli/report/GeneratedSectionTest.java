package io.github.tokenreduce.cli.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A command replaces its own section of a page and nothing else. */
class GeneratedSectionTest {

    @TempDir
    Path tmp;

    @Test
    void replacesBetweenTheMarkersAndAppendsNewSections() throws IOException {
        String page = "# Title\n\nprose\n<!-- BEGIN generated: a -->\nold\n<!-- END generated: a -->\nmore prose\n";
        assertEquals("# Title\n\nprose\n<!-- BEGIN generated: a -->\nnew table\n<!-- END generated: a -->\nmore prose\n",
                GeneratedSection.replace(page, "a", "new table\n"));
        Path f = tmp.resolve("doc.md");
        Files.writeString(f, page);
        GeneratedSection.write(f, "b", "b table");
        assertEquals(page + "\n<!-- BEGIN generated: b -->\nb table\n<!-- END generated: b -->\n", Files.readString(f));
        assertFalse(Files.exists(tmp.resolve("doc.md.lock")));
    }

    @Test
    void brokenMarkersAreAnError() {
        String endFirst = "<!-- END generated: a -->\n<!-- BEGIN generated: a -->\n";
        assertThrows(IllegalArgumentException.class, () -> GeneratedSection.replace(endFirst, "a", "x"));
        assertThrows(IllegalArgumentException.class, () -> GeneratedSection.replace("", "a b", "x"));
    }
}
