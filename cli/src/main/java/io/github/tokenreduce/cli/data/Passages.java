package io.github.tokenreduce.cli.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Labelled passages from a JSON Lines file ({@code shared/data/austen}, {@code shared/data/sotu}):
 * one object a line with string {@code id}, {@code label} and {@code text}; when the line also has
 * {@code president} and {@code year} (SOTU), the passage's group is that address. Bounded: at most
 * {@link #MAX_LINES} lines of at most {@link #MAX_LINE_CHARS} characters.
 */
public final class Passages {

    /** Most lines read from one file. */
    public static final int MAX_LINES = 1_000_000;
    /** Longest line accepted. */
    public static final int MAX_LINE_CHARS = 1_000_000;

    /**
     * One passage.
     *
     * @param group its address ("president year"), or null when the file has none
     */
    public record Passage(String id, String label, String text, String group) {}

    private Passages() {}

    /** Reads every passage of {@code file}. */
    public static List<Passage> read(Path file) throws IOException {
        List<Passage> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            int number = 0;
            while (readLine(r, line, file, number + 1)) {
                number++;
                if (number > MAX_LINES) {
                    throw new IllegalArgumentException(file + ": more than " + MAX_LINES + " lines");
                }
                if (!line.toString().isBlank()) {
                    out.add(parse(line.toString(), file, number));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no passages; expected JSON Lines with id, label and text");
        }
        return out;
    }

    private static boolean readLine(BufferedReader r, StringBuilder line, Path file, int number) throws IOException {
        line.setLength(0);
        int c;
        boolean any = false;
        while ((c = r.read()) != -1) {
            any = true;
            if (c == '\n') {
                return true;
            }
            if (line.length() >= MAX_LINE_CHARS) {
                throw new IllegalArgumentException(file + " line " + number + ": longer than " + MAX_LINE_CHARS
                        + " characters");
            }
            line.append((char) c);
        }
        return any;
    }

    static Passage parse(String line, Path file, int number) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(line);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException(file + " line " + number + ": expected a JSON object, got " + e);
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException(file + " line " + number + ": not valid JSON: " + ex.getMessage(), ex);
        }
        String id = string(o, "id", file, number);
        String label = string(o, "label", file, number);
        String text = string(o, "text", file, number);
        if (text.isBlank()) {
            throw new IllegalArgumentException(file + " line " + number + ": passage " + id + " has an empty text");
        }
        String group = o.has("president") && o.has("year")
                ? string(o, "president", file, number) + " " + o.get("year").getAsString() : null;
        return new Passage(id, label, text, group);
    }

    private static String string(JsonObject o, String key, Path file, int number) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive()) {
            throw new IllegalArgumentException(file + " line " + number + ": field '" + key
                    + "' missing or not a string (fields id, label, text are required)");
        }
        return e.getAsString();
    }

    /**
     * A deterministic subsample of at most {@code limit} passages (0: all), in file order. With
     * {@code perGroup > 0} whole groups are drawn in a seeded order and at most {@code perGroup}
     * passages taken from each (so a retrieval task keeps several passages per address);
     * otherwise passages are drawn at random.
     */
    public static List<Passage> sample(List<Passage> all, int limit, int perGroup, long seed) {
        if (limit < 0 || perGroup < 0) {
            throw new IllegalArgumentException("sample: limit and perGroup must be >= 0, got " + limit + " and "
                    + perGroup);
        }
        Random random = new Random(seed);
        List<Integer> chosen = new ArrayList<>();
        if (perGroup > 0) {
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            for (int i = 0; i < all.size(); i++) {
                String g = all.get(i).group();
                if (g == null) {
                    throw new IllegalArgumentException("sample: passage " + all.get(i).id()
                            + " has no group; per-group sampling needs president and year");
                }
                groups.computeIfAbsent(g, k -> new ArrayList<>()).add(i);
            }
            List<List<Integer>> order = new ArrayList<>(groups.values());
            Collections.shuffle(order, random);
            for (List<Integer> g : order) {
                List<Integer> members = new ArrayList<>(g);
                Collections.shuffle(members, random);
                for (int i : members.subList(0, Math.min(perGroup, members.size()))) {
                    if (limit == 0 || chosen.size() < limit) {
                        chosen.add(i);
                    }
                }
            }
        } else {
            for (int i = 0; i < all.size(); i++) {
                chosen.add(i);
            }
            Collections.shuffle(chosen, random);
            if (limit > 0 && chosen.size() > limit) {
                chosen = new ArrayList<>(chosen.subList(0, limit));
            }
        }
        Collections.sort(chosen);
        return chosen.stream().map(all::get).toList();
    }
}
