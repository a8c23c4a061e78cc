package io.github.tokenreduce.cli;

import ai.djl.Device;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/** Options every command takes: where the report goes, quietness, threads, device. */
public final class CommonOptions {

    @Option(names = "--out", defaultValue = "tokenreduce-report", description = "Report folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar and no table on the console.")
    boolean quiet;

    @Option(names = "--threads", defaultValue = "0",
            description = "Intra-op threads for libtorch (0: one per core; default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (a CUDA build of PyTorch is needed for gpu).")
    String device;

    /** Applies the thread count before the engine starts; call first. */
    void apply() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads: must be >= 0 but was " + threads);
        }
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    /** The device named by {@code --device}. */
    Device device() {
        return switch (device.toLowerCase(Locale.ROOT)) {
            case "cpu" -> Device.cpu();
            case "gpu", "cuda" -> Device.gpu();
            default -> throw new IllegalArgumentException("--device: expected cpu or gpu but got '" + device + "'");
        };
    }
}
