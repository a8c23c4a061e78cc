package io.github.tokenreduce.cli.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JSON Lines passages: fields, groups, errors naming the line, seeded samples. */
class PassagesTest {

    @TempDir
    Path tmp;

    private Path file(String... lines) throws IOException {
        Path f = tmp.resolve("p.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void readsFieldsAndAddressGroups() throws IOException {
        List<Passages.Passage> p = Passages.read(file(
                "{\"id\": \"emma_0\", \"label\": \"emma\", \"text\": \"Emma Woodhouse, handsome\"}",
                "",
                "{\"id\": \"x\", \"label\": \"none\", \"president\": \"George Washington\", \"year\": 1790, \"text\": \"Fellow\"}"));
        assertEquals(2, p.size());
        assertEquals(new Passages.Passage("emma_0", "emma", "Emma Woodhouse, handsome", null), p.get(0));
        assertEquals("George Washington 1790", p.get(1).group());
        assertNull(p.get(0).group());
    }

    @Test
    void malformedLinesAreNamed() throws IOException {
        Path missing = file("{\"id\": \"a\", \"label\": \"l\", \"text\": \"t\"}", "{\"id\": \"b\", \"text\": \"t\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Passages.read(missing));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("'label'"), e.getMessage());
        Path broken = file("{\"id\": \"a\", ");
        e = assertThrows(IllegalArgumentException.class, () -> Passages.read(broken));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("not valid JSON"), e.getMessage());
        Path array = file("[1, 2]");
        assertThrows(IllegalArgumentException.class, () -> Passages.read(array));
    }

    @Test
    void samplesAreSeededAndTakeWholeGroupsUpToACap() {
        List<Passages.Passage> all = new ArrayList<>();
        for (int g = 0; g < 10; g++) {
            for (int i = 0; i < 5; i++) {
                all.add(new Passages.Passage(g + "_" + i, g % 2 == 0 ? "even" : "odd", "text " + i, "address " + g));
            }
        }
        List<Passages.Passage> s = Passages.sample(all, 12, 3, 5);
        assertEquals(12, s.size());
        assertEquals(s, Passages.sample(all, 12, 3, 5));
        assertNotEquals(s, Passages.sample(all, 12, 3, 6));
        Map<String, Integer> perGroup = new HashMap<>();
        s.forEach(p -> perGroup.merge(p.group(), 1, Integer::sum));
        assertEquals(4, perGroup.size(), "12 passages, 3 from each of 4 addresses: " + perGroup);
        perGroup.values().forEach(n -> assertEquals(3, n));
        assertTrue(all.indexOf(s.get(0)) < all.indexOf(s.get(11)), "kept in file order");
        List<Passages.Passage> plain = Passages.sample(all, 7, 0, 5);
        assertEquals(7, plain.size());
        assertEquals(7, plain.stream().distinct().count());
        assertEquals(all, Passages.sample(all, 0, 0, 5));
    }
}
