package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.djl.export.OnnxExport;
import org.junit.jupiter.api.DynamicTest;

import java.nio.file.Files;
import java.nio.file.Path;

/** A test that an ONNX export is refused before it writes a file, for the model families' export tests. */
final class ExportRefusals {

    private ExportRefusals() {}

    /** A function that writes an export to a file. */
    interface Export {
        OnnxExport.Result to(Path file) throws Exception;
    }

    /**
     * A test named {@code name} that {@code export} to {@code dir/name.onnx} throws {@code type} with a
     * message containing {@code reason}, and leaves no file.
     */
    static DynamicTest refused(Path dir, String name, Class<? extends RuntimeException> type, String reason,
            Export export) {
        return DynamicTest.dynamicTest(name, () -> {
            Path file = dir.resolve(name + ".onnx");
            RuntimeException x = assertThrows(type, () -> export.to(file));
            assertTrue(x.getMessage().contains(reason), x.getMessage());
            assertFalse(Files.exists(file), "no file is written for a refused export");
        });
    }
}
