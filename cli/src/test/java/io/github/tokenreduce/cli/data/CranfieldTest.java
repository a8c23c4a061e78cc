package io.github.tokenreduce.cli.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The Cranfield reader: its traps (see {@code shared/data/README.md}) on a hand-made collection, then the real files. */
class CranfieldTest {

    @TempDir
    Path dir;

    /** Writes {@code lines} joined by CRLF, as the real files are. */
    private void write(String name, String... lines) throws IOException {
        Files.writeString(dir.resolve(name), String.join("\r\n", lines) + "\r\n");
    }

    private void smallCollection(String... qrels) throws IOException {
        write("cran.all.1400",
                ".I 1", ".T", "title one", ".A", "someone", ".B", "j. ae. 1", ".W", "title one", "first abstract",
                ".I 2", ".T", "empty", ".W", "",
                ".I 3", ".W", "third abstract");
        // .I ids skip numbers: the qrels number the queries 1, 2, 3 in file order
        write("cran.qry", ".I 001", ".W", "first query", "on two lines .", ".I 002", ".W", "second query",
                ".I 004", ".W", "third query");
        write("cranqrel", qrels);
    }

    @Test
    void smallCollectionReadsAsTheReadmeSays() throws IOException {
        smallCollection("1 1 1", "1 3 4", "2 3 -1", "3 3 2", "3 1 3", "3 1 2", "3 2 1", "");
        Cranfield c = Cranfield.read(dir);
        // document 2 is empty: left out; .W text keeps its lines (the title repeated), without CR
        assertEquals(Map.of(1, "title one\nfirst abstract", 3, "third abstract"), c.docs());
        assertEquals(List.of("first query\non two lines .", "second query", "third query"), c.queries());
        // code 1 → grade 4, code 4 → grade 1; -1 is not a judgement; query 3 is the one with .I 004;
        // (3, 1) judged twice (codes 3 and 2) keeps the higher grade 3; the empty document is not judged
        assertEquals(List.of(Map.of(1, 4, 3, 1), Map.of(), Map.of(3, 3, 1, 3)), c.judgements());
    }

    @Test
    void badRowsAreNamed() throws IOException {
        smallCollection("1 1 1", "4 1 1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cranfield.read(dir));
        assertTrue(e.getMessage().contains("cranqrel line 2: query 4 outside 1..3"), e.getMessage());
        smallCollection("1 1");
        e = assertThrows(IllegalArgumentException.class, () -> Cranfield.read(dir));
        assertTrue(e.getMessage().contains("cranqrel line 1"), e.getMessage());
        smallCollection("1 x 1");
        e = assertThrows(IllegalArgumentException.class, () -> Cranfield.read(dir));
        assertTrue(e.getMessage().contains("cranqrel line 1: 'x' is not a whole number"), e.getMessage());
        write("cran.qry", ".I 1", ".W", "a", ".I 1", ".W", "b");
        e = assertThrows(IllegalArgumentException.class, () -> Cranfield.read(dir));
        assertTrue(e.getMessage().contains("cran.qry line 4: record .I 1 appears twice"), e.getMessage());
    }

    @Test
    void theRealCollection() throws IOException {
        Cranfield c = Cranfield.read(sharedData().resolve("cranfield"));
        // 1400 records, 471 and 995 empty
        assertEquals(1398, c.docs().size());
        assertFalse(c.docs().containsKey(471) || c.docs().containsKey(995));
        assertEquals(225, c.queries().size());
        assertTrue(c.queries().get(2).startsWith("what problems of heat conduction in composite slabs"),
                c.queries().get(2)); // file order: the third query is .I 004
        // counted from cranqrel with awk-like arithmetic: 1837 rows, 225 with code -1, one (125 995 3) on an
        // empty document: 1611 judgements over all 225 queries, grades summing to 3502
        assertEquals(1611, c.judgements().stream().mapToInt(Map::size).sum());
        assertEquals(3502, c.judgements().stream().flatMap(j -> j.values().stream()).mapToInt(Integer::intValue).sum());
        assertTrue(c.judgements().stream().noneMatch(Map::isEmpty));
        // query 3 (rows "3 5 3", "3 6 3", ...): eight documents, all code 3 → grade 2
        assertEquals(Map.of(5, 2, 6, 2, 90, 2, 91, 2, 119, 2, 144, 2, 181, 2, 399, 2), c.judgements().get(2));
        assertEquals(3, c.judgements().get(0).get(184)); // "1 184 2"
    }

    /** {@code ../shared/data} from the module or the repository root. */
    static Path sharedData() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("data");
            if (Files.isDirectory(candidate.resolve("cranfield"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/data not found above " + Path.of("").toAbsolutePath());
    }
}
