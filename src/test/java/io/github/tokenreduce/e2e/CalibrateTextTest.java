package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.core.spec.ReducerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tokenreduce calibrate} on a sentence encoder: it measures on texts the reduction acts on,
 * refuses data that cannot tell configurations apart, and never chooses below the fidelity floor.
 */
class CalibrateTextTest {

    @TempDir
    Path tmp;

    /**
     * The case of issue 19: STS sentences are all under the 64-token floor, so every configuration
     * "met" a drop budget and the cheapest (MADTP keep 0.5, cosine 0.46 on passages) was written.
     * Now: a clear message, exit code 1, no schedule.
     */
    @Test
    void stsSentencesUnderTheFloorAreRefused() {
        Path out = tmp.resolve("sts");
        CliArgumentsTest.Outcome o = CliArgumentsTest.run("calibrate", "all-minilm-l6-v2", "--budget", "drop=1",
                "--data", Fixtures.shared().resolve("data/stsb/stsb-en-dev.csv").toString(), "--limit", "100", "-q",
                "--out", out.toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("cannot tell configurations apart") && o.err().contains("64-token floor"), o.err());
        assertFalse(Files.exists(out.resolve("schedule.json")), "no schedule written");
    }

    /** Passages with a single label: k-NN is right whatever the configuration, so the scores cannot choose. */
    @Test
    void dataOnWhichEveryConfigurationScoresTheSameIsRefused() throws IOException {
        Path file = tmp.resolve("one-label.jsonl");
        Files.write(file, Files.readAllLines(Fixtures.shared().resolve("data/austen/austen_passages300.jsonl"))
                .subList(0, 8));
        Path out = tmp.resolve("one-label");
        CliArgumentsTest.Outcome o = CliArgumentsTest.run("calibrate", "all-minilm-l6-v2", "--budget", "drop=1",
                "--data", file.toString(), "--knn", "3", "--methods", "crossget", "--levels", "0.8", "--docs", "2",
                "--rounds", "1", "-q", "--out", out.toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("every configuration scores"), o.err());
        assertFalse(Files.exists(out.resolve("schedule.json")), "no schedule written");
        assertTrue(Files.readString(out.resolve("report.md")).contains("cannot tell configurations apart"));
    }

    /**
     * On passages, MADTP keep 0.5 (mean cosine about 0.46) is within a loose drop budget and the
     * cheapest configuration, but falls under the fidelity floor (0.85) and is not chosen; the choice
     * is the cheapest that meets both.
     */
    @Test
    void passagesChooseTheCheapestAboveTheFidelityFloor() throws IOException {
        Path out = tmp.resolve("austen");
        CliArgumentsTest.Outcome o = CliArgumentsTest.run("calibrate", "all-minilm-l6-v2", "--budget", "drop=50",
                "--data", Fixtures.shared().resolve("data/austen/austen_passages300.jsonl").toString(), "--limit", "30",
                "--methods", "crossget,madtp", "--levels", "0.8,0.5", "--docs", "4", "--rounds", "1", "-q",
                "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        String md = Files.readString(out.resolve("report.md"));
        double base = Double.parseDouble(row(md, "unreduced", "0")[6].trim());
        String[] madtp = row(md, "madtp", "0.5");
        assertTrue(Double.parseDouble(madtp[5].trim()) < 0.85, "MADTP keep 0.5 is far from the unreduced model: " + md);
        assertTrue((base - Double.parseDouble(madtp[6].trim())) * 100 <= 50, "only the floor rules it out: " + md);
        assertEquals("no", madtp[8].trim(), md);
        double cheapest = Double.MAX_VALUE;
        for (String line : md.lines().filter(l -> l.startsWith("| ") && l.endsWith("| yes |")).toList()) {
            String[] c = line.split("\\|");
            assertTrue(Double.parseDouble(c[5].trim()) >= 0.85, "a row that meets keeps cosine >= 0.85: " + line);
            assertTrue((base - Double.parseDouble(c[6].trim())) * 100 <= 50 + 1e-9, "and loses <= 50 points: " + line);
            cheapest = Math.min(cheapest, Double.parseDouble(c[3].trim()));
        }
        Matcher chosen = Pattern.compile("Chosen: \\*\\*(\\S+) ([^*]+)\\*\\*: ([0-9.]+) GFLOP").matcher(md);
        assertTrue(chosen.find(), md);
        assertEquals(cheapest, Double.parseDouble(chosen.group(3)), 0.051, "the cheapest row that meets: " + md);
        assertTrue(cheapest > Double.parseDouble(madtp[3].trim()), "MADTP keep 0.5 was the cheapest: " + md);
        ReducerSpec spec = ReducerSpec.read(out.resolve("schedule.json"));
        assertEquals(chosen.group(2), spec.schedule().toString(), "schedule.json holds the chosen schedule");
        assertEquals(chosen.group(1), spec.method(), md);
    }

    /**
     * {@code --engine onnxruntime}: the sentence encoder's configurations are exported graphs (length
     * buckets, counts from the padded bucket) run by ONNX Runtime; MADTP, whose counts are per text,
     * is skipped with a line, and the unreduced graph scores what the eager model scores.
     */
    @Test
    void onOnnxRuntimeMadtpIsSkippedAndTheGraphsAreMeasured() throws IOException {
        Path out = tmp.resolve("ort");
        CliArgumentsTest.Outcome o = CliArgumentsTest.run("calibrate", "all-minilm-l6-v2", "--budget", "drop=50",
                "--data", Fixtures.shared().resolve("data/austen/austen_passages300.jsonl").toString(), "--limit", "12",
                "--methods", "crossget,madtp", "--levels", "0.7", "--docs", "2", "--rounds", "1", "--engine",
                "onnxruntime", "--lengths", "256,512", "-q", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.err().contains("skips madtp") && o.err().contains("per text"), o.err());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("on ONNX Runtime") && md.contains("Skipped madtp"), md);
        assertEquals(0, md.lines().filter(l -> l.startsWith("| madtp |")).count(), md);
        assertEquals(1.0, Double.parseDouble(row(md, "unreduced", "0")[5].trim()), 1e-5, "the graph is the model");
        double crossget = Double.parseDouble(row(md, "crossget", "0.7")[5].trim());
        assertTrue(crossget < 0.9999 && crossget > 0.5, "CrossGET keep 0.7 changes the passages' embeddings: " + md);
    }

    /** Buckets too short for the data are refused before any graph is exported. */
    @Test
    void bucketsShorterThanTheDataAreRefusedFirst() {
        Path out = tmp.resolve("short-buckets");
        CliArgumentsTest.Outcome o = CliArgumentsTest.run("calibrate", "all-minilm-l6-v2", "--budget", "drop=50",
                "--data", Fixtures.shared().resolve("data/austen/austen_passages300.jsonl").toString(), "--limit", "8",
                "--methods", "crossget", "--levels", "0.7", "--engine", "onnxruntime", "--lengths", "128", "-q",
                "--out", out.toString());
        assertTrue(o.code() != 0, o.err());
        assertTrue(o.err().contains("--lengths: the data's longest chunk has") && o.err().contains("largest bucket, 128"),
                o.err());
        assertFalse(Files.exists(out.resolve("report.md")), "nothing measured");
    }

    /** The report row of {@code method} whose schedule has {@code level} as its keep ratio or r, split on '|'. */
    private static String[] row(String md, String method, String level) {
        Pattern value = Pattern.compile(":" + Pattern.quote(level) + "[,}]");
        List<String> rows = md.lines().filter(l -> l.startsWith("| " + method + " |")
                && value.matcher(l.split("\\|")[2]).find()).toList();
        assertEquals(1, rows.size(), "one row for " + method + " " + level + " in\n" + md);
        return rows.get(0).split("\\|");
    }
}
