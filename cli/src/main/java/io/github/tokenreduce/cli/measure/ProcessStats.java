package io.github.tokenreduce.cli.measure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's memory and page faults from Linux's {@code /proc/self}: resident set size, its
 * peak (resettable), and minor page faults. Native memory (libtorch, ONNX Runtime) is included,
 * which the JVM's own counters miss. Elsewhere every figure reads as -1.
 */
public final class ProcessStats {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path STAT = Path.of("/proc/self/stat");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcessStats() {}

    /** Resident set size in bytes. */
    public static long rss() {
        return statusKb("VmRSS:") * 1024;
    }

    /** Peak resident set size since the start or the last {@link #resetPeak()}, in bytes. */
    public static long peakRss() {
        return statusKb("VmHWM:") * 1024;
    }

    /** Resets the peak resident set size to the current one; false where the kernel refuses. */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Minor page faults so far (field 10 of {@code /proc/self/stat}). */
    public static long minorFaults() {
        try {
            String s = Files.readString(STAT, StandardCharsets.US_ASCII);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
