package io.github.tokenreduce.cli.data;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Readers for the semantic-similarity sets in {@code shared/data} (see its README):
 * STS Benchmark ({@code stsb-en-*.csv}: three RFC-4180 columns, no header: sentence 1, sentence 2,
 * score 0–5) and SICK ({@code SICK_*.txt}: tab-separated with a header {@code pair_ID sentence_A
 * sentence_B relatedness_score entailment_judgment}). A malformed row is an error naming the file
 * and the line.
 */
public final class StsDatasets {

    private StsDatasets() {}

    /** STS-B pairs. */
    public static List<StsPair> stsb(Path csv) throws IOException {
        List<StsPair> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
                CSVParser p = CSVFormat.RFC4180.builder().get().parse(r)) {
            for (CSVRecord rec : p) {
                if (rec.size() != 3) {
                    throw new IllegalArgumentException(csv + " line " + rec.getRecordNumber() + ": " + rec.size()
                            + " columns, expected 3 (sentence 1, sentence 2, score)");
                }
                out.add(new StsPair(rec.get(0), rec.get(1), score(csv, rec.getRecordNumber(), rec.get(2))));
            }
        }
        return out;
    }

    /** SICK pairs (relatedness 1–5). */
    public static List<StsPair> sick(Path tsv) throws IOException {
        List<StsPair> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(tsv, StandardCharsets.UTF_8);
                CSVParser p = CSVFormat.TDF.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            for (String col : List.of("sentence_A", "sentence_B", "relatedness_score")) {
                if (!p.getHeaderMap().containsKey(col)) {
                    throw new IllegalArgumentException(tsv + ": no '" + col + "' column in " + p.getHeaderNames());
                }
            }
            for (CSVRecord rec : p) {
                out.add(new StsPair(rec.get("sentence_A"), rec.get("sentence_B"),
                        score(tsv, rec.getRecordNumber(), rec.get("relatedness_score"))));
            }
        }
        return out;
    }

    private static double score(Path file, long line, String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + " line " + line + ": score '" + s + "' is not a number");
        }
    }
}
