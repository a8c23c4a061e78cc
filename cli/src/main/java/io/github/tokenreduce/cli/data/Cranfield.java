package io.github.tokenreduce.cli.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Cranfield collection ({@code shared/data/cranfield}): 1400 aerodynamics abstracts, 225
 * queries and graded judgements. SMART-tagged files with CRLF endings; a document's text is its
 * {@code .W} section (which repeats the title). {@code cranqrel} numbers queries 1–225 in file order,
 * not by the {@code .I} ids of {@code cran.qry}; codes 1 (most relevant) to 4 are relevant with
 * grade {@code 5 - code}, other codes (-1) are ignored. Empty documents (471, 995) are kept out of
 * the index.
 *
 * @param docs document id → text (non-empty)
 * @param queries query texts in file order
 * @param judgements per query (file order): document id → grade 1–4
 */
public record Cranfield(Map<Integer, String> docs, List<String> queries, List<Map<Integer, Integer>> judgements) {

    /** Reads the three files from {@code dir}. */
    public static Cranfield read(Path dir) throws IOException {
        Map<Integer, String> docs = new LinkedHashMap<>();
        for (Map.Entry<Integer, Map<String, String>> e : smart(dir.resolve("cran.all.1400")).entrySet()) {
            String w = e.getValue().getOrDefault("W", "").trim();
            if (!w.isEmpty()) {
                docs.put(e.getKey(), w);
            }
        }
        List<String> queries = new ArrayList<>();
        for (Map<String, String> q : smart(dir.resolve("cran.qry")).values()) {
            queries.add(q.getOrDefault("W", "").trim());
        }
        List<Map<Integer, Integer>> judgements = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            judgements.add(new LinkedHashMap<>());
        }
        int line = 0;
        for (String row : Files.readAllLines(dir.resolve("cranqrel"), StandardCharsets.UTF_8)) {
            line++;
            String[] f = row.trim().split("\\s+");
            if (row.isBlank()) {
                continue;
            }
            if (f.length != 3) {
                throw new IllegalArgumentException("cranqrel line " + line + ": '" + row + "', expected query doc code");
            }
            int q = number(f[0], "cranqrel", line);
            int doc = number(f[1], "cranqrel", line);
            int code = number(f[2], "cranqrel", line);
            if (q < 1 || q > queries.size()) {
                throw new IllegalArgumentException("cranqrel line " + line + ": query " + q + " outside 1.."
                        + queries.size());
            }
            if (code >= 1 && code <= 4 && docs.containsKey(doc)) {
                judgements.get(q - 1).merge(doc, 5 - code, Math::max);
            }
        }
        return new Cranfield(docs, queries, judgements);
    }

    /** SMART records: {@code .I id} starts one; {@code .X} tags start its fields. */
    private static Map<Integer, Map<String, String>> smart(Path file) throws IOException {
        Map<Integer, Map<String, String>> out = new LinkedHashMap<>();
        Map<String, String> current = null;
        String field = null;
        StringBuilder text = new StringBuilder();
        int lineNo = 0;
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String line = raw.replace("\r", "");
            if (line.startsWith(".I ")) {
                if (current != null && field != null) {
                    current.put(field, text.toString());
                }
                current = new LinkedHashMap<>();
                int id = number(line.substring(3).trim(), file.getFileName().toString(), lineNo);
                if (out.put(id, current) != null) {
                    throw new IllegalArgumentException(file.getFileName() + " line " + lineNo + ": record .I " + id
                            + " appears twice");
                }
                field = null;
                text.setLength(0);
            } else if (line.length() == 2 && line.charAt(0) == '.' && Character.isUpperCase(line.charAt(1))) {
                if (current != null && field != null) {
                    current.put(field, text.toString());
                }
                field = line.substring(1);
                text.setLength(0);
            } else if (field != null) {
                text.append(line).append('\n');
            }
        }
        if (current != null && field != null) {
            current.put(field, text.toString());
        }
        return out;
    }

    private static int number(String s, String file, int line) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + " line " + line + ": '" + s + "' is not a whole number");
        }
    }
}
