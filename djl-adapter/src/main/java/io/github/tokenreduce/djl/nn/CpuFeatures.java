package io.github.tokenreduce.djl.nn;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * The CPU's model name (as {@code lscpu} shows it, written beside every measured figure) and the instruction-set flags that decide which low-precision kernels are fast,
 * read once from {@code /proc/cpuinfo} (the first processor's entry; bounded read). Elsewhere (not
 * Linux) no flag is reported and every precision falls back to float32.
 */
public record CpuFeatures(String model, Set<String> flags) {

    private static final int MAX_LINES = 200;
    private static volatile CpuFeatures current;

    /** The machine's features (read on first use). */
    public static CpuFeatures current() {
        CpuFeatures c = current;
        if (c == null) {
            c = read(Path.of("/proc/cpuinfo"));
            current = c;
        }
        return c;
    }

    /** AMX or AVX-512 bfloat16 products. */
    public boolean bf16() {
        return flags.contains("amx_bf16") || flags.contains("avx512_bf16");
    }

    /** int8 dot products (VNNI or AMX). */
    public boolean int8() {
        return flags.contains("avx512_vnni") || flags.contains("avx_vnni") || flags.contains("amx_int8");
    }

    /**
     * Whether int8 activations may take all 8 bits: with AVX512-VNNI (also on every AMX CPU) the
     * kernels sum int8 products in 32 bits; elsewhere they sum pairs in 16 bits, which full-range
     * activations can saturate, so activations take 7 (PyTorch's {@code reduce_range}).
     */
    public boolean int8FullRange() {
        return flags.contains("avx512_vnni");
    }

    static CpuFeatures read(Path cpuinfo) {
        String model = "unknown CPU";
        Set<String> flags = Set.of();
        try (BufferedReader r = Files.newBufferedReader(cpuinfo, StandardCharsets.ISO_8859_1)) {
            String line;
            for (int i = 0; i < MAX_LINES && (line = r.readLine()) != null; i++) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name")) {
                    model = value;
                } else if (key.equals("flags")) {
                    flags = Set.copyOf(Arrays.asList(value.split("\\s+")));
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: no flags, float32 everywhere
        }
        return new CpuFeatures(model, flags);
    }
}
