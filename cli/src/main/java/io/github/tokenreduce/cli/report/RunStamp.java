package io.github.tokenreduce.cli.report;

import ai.djl.engine.Engine;

import io.github.tokenreduce.djl.nn.CpuFeatures;

import java.lang.management.ManagementFactory;
import java.time.LocalDate;
import java.util.Locale;

/**
 * One line saying when, where and with what a figure was measured: the date, the CPU model as
 * {@code lscpu} names it ({@link CpuFeatures}), the cores visible, the load average at the start, Java, DJL and PyTorch.
 */
public final class RunStamp {

    private RunStamp() {}

    /** The stamp for {@code command} (the command line that made the figures). */
    public static String of(String command) {
        return String.format(Locale.ROOT, "Generated %s by `%s` on %s (%d cores visible, load average %.1f at the "
                + "start), Java %s, DJL %s, PyTorch %s.", LocalDate.now(), command, CpuFeatures.current().model(),
                Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage(), System.getProperty("java.version"), Engine.getDjlVersion(),
                Engine.getEngine("PyTorch").getVersion());
    }
}
