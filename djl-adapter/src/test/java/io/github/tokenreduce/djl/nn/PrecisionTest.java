package io.github.tokenreduce.djl.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** Which precision runs where: the CPU's flags decide, and what it lacks falls back to float32. */
class PrecisionTest {

    private static CpuFeatures cpu(Path dir, String flags) throws Exception {
        Path f = dir.resolve("cpuinfo-" + flags.hashCode());
        Files.writeString(f, "processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: " + flags + "\n\nprocessor\t: 1\n");
        return CpuFeatures.read(f);
    }

    @Test
    void cpuFlagsDecide(@TempDir Path dir) throws Exception {
        CpuFeatures amx = cpu(dir, "fpu sse avx512f avx512_vnni amx_bf16 amx_int8 amx_tile fpu");
        CpuFeatures zen4 = cpu(dir, "fpu avx512f avx512_bf16 avx512_vnni");
        CpuFeatures avx2 = cpu(dir, "fpu avx2 fma");
        assertEquals("Test CPU", amx.model());
        assertEquals(Precision.BF16, Precision.AUTO.resolve(Device.cpu(), amx));
        assertEquals(Precision.BF16, Precision.AUTO.resolve(Device.cpu(), zen4));
        assertEquals(Precision.FP32, Precision.AUTO.resolve(Device.cpu(), avx2));
        assertEquals(Precision.FP32, Precision.BF16.resolve(Device.cpu(), avx2));
        assertEquals(Precision.INT8, Precision.INT8.resolve(Device.cpu(), zen4));
        assertEquals(Precision.FP32, Precision.INT8.resolve(Device.cpu(), avx2));
        assertEquals(Precision.FP32, Precision.FP32.resolve(Device.cpu(), amx));
        CpuFeatures alderLake = cpu(dir, "fpu avx2 avx_vnni");
        assertEquals(Precision.INT8, Precision.INT8.resolve(Device.cpu(), alderLake));
        assertTrue(amx.int8FullRange() && zen4.int8FullRange() && !alderLake.int8FullRange() && !avx2.int8FullRange());
    }

    @Test
    void unreadableCpuInfoMeansFloat32(@TempDir Path dir) {
        CpuFeatures none = CpuFeatures.read(dir.resolve("missing"));
        assertTrue(none.flags().isEmpty());
        assertEquals(Precision.FP32, Precision.AUTO.resolve(Device.cpu(), none));
    }

    @Test
    void parseNamesWhatItExpected() {
        assertEquals(Precision.BF16, Precision.parse(" BF16 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
        assertTrue(e.getMessage().contains("fp16") && e.getMessage().contains("bf16"), e.getMessage());
    }
}
