package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.cli.TokenReduceCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/**
 * {@code tokenreduce} argument handling: a usage error exits with 2, a bad value with 1, each with a
 * message naming the offending option and what it expected; nothing runs a model.
 */
class CliArgumentsTest {

    /** Exit code and what was written to stderr. */
    record Outcome(int code, String err) {}

    static Outcome run(String... args) {
        CommandLine cl = TokenReduceCli.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int code = cl.execute(args);
        return new Outcome(code, err.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        Outcome o = run();
        assertEquals(2, o.code());
        assertTrue(o.err().contains("a command is required") && o.err().contains("bench"), o.err());
    }

    @Test
    void helpExitsCleanly() {
        assertEquals(0, run("bench", "--help").code());
        assertEquals(0, run("--version").code());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "frobnicate                                          | 2 | Unmatched argument",
        "bench --rounds=x                                    | 2 | --rounds",
        "embed all-minilm-l6-v2                              | 2 | Missing required option: '--input",
        "embed all-minilm-l6-v2 --input x --spec s --method tome | 2 | mutually exclusive",
        "export vit                                          | 2 | Missing required option: '--output",
        "export vit -o x.onnx --spec s --method tome         | 2 | mutually exclusive",
        "export vit -o x.onnx --level 8                      | 1 | --level: needs --method",
        "calibrate random-clip                               | 2 | Missing required option: '--budget",
        "eval all-minilm-l6-v2                               | 2 | Missing required option: '--task",
        "bench random-clip --rounds 0                        | 1 | --rounds must be >= 1",
        "bench random-clip --threads -1                      | 1 | --threads: must be >= 0 but was -1",
        "bench random-clip --device tpu                      | 1 | --device: expected cpu or gpu but got 'tpu'",
        "bench random-clip --engines tensorrt                | 1 | --engines: expected pytorch or onnxruntime but got 'tensorrt'",
        "bench random-clip --images photos                   | 2 | Invalid value for option '--images': expected one of [SCENES, NOISE] (case-insensitive) but was 'photos'",
        "calibrate random-clip --budget fidelity=0.9 --images x | 2 | Invalid value for option '--images'",
        "bench /no/such/model/dir                            | 1 | /no/such/model/dir does not exist",
        "eval all-minilm-l6-v2 --task bogus                  | 1 | --task: expected zeroshot, retrieval, text or sts but got 'bogus'",
        "calibrate random-clip --budget speed=3              | 1 | --budget: unknown budget 'speed'",
        "calibrate random-clip --budget fidelity=abc         | 1 | --budget: 'abc' is not a number",
        "calibrate random-clip --budget latency              | 1 | --budget: expected latency=MS",
        "calibrate random-clip --budget drop=1               | 1 | --budget drop needs labelled data",
        "embed all-minilm-l6-v2 --input /no/such/file.txt    | 1 | is not a file",
        "embed all-minilm-l6-v2 --input x --level 0.5        | 1 | --level: needs --method",
        "eval all-minilm-l6-v2 --task sts --warmup 0         | 1 | --warmup and --rounds must each be >= 1 (a first evaluation is never timed) but were 0 and 3",
    })
    void badArgumentsNameWhatWasWrong(String line, int code, String message) {
        Outcome o = run(line.trim().split("\\s+"));
        assertEquals(code, o.code(), "exit code of '" + line.trim() + "'; stderr: " + o.err());
        assertTrue(o.err().contains(message), "stderr of '" + line.trim() + "' should contain '" + message + "': "
                + o.err());
        assertTrue(!o.err().contains("\tat "), "no stack trace unless -Dtokenreduce.debug: " + o.err());
    }

    @Test
    void aLevelThatIsNotAnRIsRejectedBeforeAnyTiming() {
        Outcome o = run("bench", Fixtures.shared().resolve("fixtures/clip/tiny-vit-b16/hf").toString(),
                "--levels", "1.5", "-q", "--out", Path.of("target/cli-args").toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("a vision level is a whole number r >= 0, got 1.5"), o.err());
    }

    @Test
    void aMethodThatDoesNotApplyIsNamed() {
        Outcome o = run("bench", Fixtures.shared().resolve("fixtures/clip/tiny-vit-b16/hf").toString(),
                "--methods", "pumer", "--levels", "2", "-q", "--out", Path.of("target/cli-args").toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().contains("method: pumer does not apply"), o.err());
    }
}
