package io.github.tokenreduce.bench.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonParseException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Labelled passages in JSON Lines, one object per line with string fields {@code id},
 * {@code label} and {@code text} (other fields ignored): {@code shared/data/austen} and
 * {@code sotu}, or a user's own file. Parsing is bounded (line length, line count); a malformed
 * line is an error naming the file and the line.
 */
public final class Passages {

    /** One labelled passage. */
    public record Passage(String id, String label, String text) {}

    /** The longest line read (a 300-word passage is about 2 KB). */
    static final int MAX_LINE_CHARS = 1 << 20;

    /** The most lines read. */
    static final int MAX_LINES = 1_000_000;

    private Passages() {}

    /** Every passage in {@code jsonl}; blank lines are skipped. */
    public static List<Passage> read(Path jsonl) throws IOException {
        List<Passage> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                if (lineNo > MAX_LINES) {
                    throw new IllegalArgumentException(jsonl + ": more than " + MAX_LINES + " lines");
                }
                if (line.length() > MAX_LINE_CHARS) {
                    throw new IllegalArgumentException(jsonl + " line " + lineNo + ": " + line.length()
                            + " characters, expected at most " + MAX_LINE_CHARS);
                }
                if (!line.isBlank()) {
                    out.add(parse(jsonl, lineNo, line));
                }
            }
        }
        return out;
    }

    /**
     * At most {@code n} passages spread evenly over {@code all} (every k-th, in file order), so a
     * file sorted by label gives every label its share.
     */
    public static List<Passage> spread(List<Passage> all, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n: must be >= 1 but was " + n);
        }
        if (all.size() <= n) {
            return List.copyOf(all);
        }
        List<Passage> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(all.get((int) ((long) i * all.size() / n)));
        }
        return out;
    }

    private static Passage parse(Path file, int lineNo, String line) {
        JsonElement e;
        try {
            e = JsonParser.parseString(line);
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException(file + " line " + lineNo + ": not valid JSON (" + ex.getMessage() + ")");
        }
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException(file + " line " + lineNo + ": expected a JSON object with id, label and "
                    + "text, got " + abbreviate(line));
        }
        JsonObject o = e.getAsJsonObject();
        return new Passage(field(file, lineNo, o, "id"), field(file, lineNo, o, "label"), field(file, lineNo, o, "text"));
    }

    private static String field(Path file, int lineNo, JsonObject o, String key) {
        JsonElement v = o.get(key);
        if (v == null || !v.isJsonPrimitive()) {
            throw new IllegalArgumentException(file + " line " + lineNo + ": no string field \"" + key
                    + "\" (expected id, label and text; have " + o.keySet() + ")");
        }
        return v.getAsString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
