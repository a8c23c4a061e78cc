package io.github.tokenreduce.bench.report;

import ai.djl.engine.Engine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Locale;

/**
 * One line saying when, where and with what a figure was measured: the date, the CPU model as
 * {@code lscpu} names it, the cores visible, the load average at the start, Java, DJL and PyTorch.
 */
public final class RunStamp {

    private RunStamp() {}

    /** The stamp for {@code command} (the command line that made the figures). */
    public static String of(String command) {
        return String.format(Locale.ROOT, "Generated %s by `%s` on %s (%d cores visible, load average %.1f at the "
                + "start), Java %s, DJL %s, PyTorch %s.", LocalDate.now(), command, cpuModel(),
                Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage(), System.getProperty("java.version"), Engine.getDjlVersion(),
                Engine.getEngine("PyTorch").getVersion());
    }

    /** {@code lscpu}'s "Model name", or "unknown CPU" when lscpu is missing. */
    public static String cpuModel() {
        try {
            Process p = new ProcessBuilder("lscpu").redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                int lines = 0;
                while ((line = r.readLine()) != null && lines++ < 200) {
                    if (line.startsWith("Model name:")) {
                        return line.substring("Model name:".length()).trim();
                    }
                }
            } finally {
                p.destroy();
            }
        } catch (IOException e) {
            return "unknown CPU (lscpu unavailable: " + e.getMessage() + ")";
        }
        return "unknown CPU (lscpu gave no model name)";
    }
}
