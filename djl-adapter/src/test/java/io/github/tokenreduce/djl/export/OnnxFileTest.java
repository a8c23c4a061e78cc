package io.github.tokenreduce.djl.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A file handed to {@link OnnxRuntimeRun} that is not a whole ONNX graph with the expected input —
 * truncated anywhere, another kind of file, empty, missing, or a graph with another input — is refused
 * with a message naming the file and what is wrong, not run or crashed on; the whole file still runs.
 */
class OnnxFileTest {

    @TempDir
    Path tmp;

    private Path good;
    private byte[] bytes;

    /** A small traced graph y = softmax(x · 2 + 1) over x [batch, 3, 4]. */
    @BeforeEach
    void write() throws IOException {
        good = tmp.resolve("good.onnx");
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray x = t.input("x", m.randomNormal(new Shape(2, 3, 4)));
            t.output("y", x.mul(2f).add(1f).softmax(-1));
            Files.write(good, t.toBytes("f"));
        }
        bytes = Files.readAllBytes(good);
    }

    private IllegalArgumentException refused(Path file) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            return assertThrows(IllegalArgumentException.class,
                    () -> OnnxRuntimeRun.run(file, "x", m.ones(new Shape(1, 3, 4)), m));
        }
    }

    @Test
    void theWholeFileRuns() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray y = OnnxRuntimeRun.run(good, "x", m.zeros(new Shape(3, 3, 4)), m).get("y");
            assertEquals(new Shape(3, 3, 4), y.getShape());
            assertEquals(0.25f, y.getFloat(2, 1, 3), 1e-6f, "softmax of four equal values");
        }
        assertEquals(bytes.length, OnnxFile.check(good));
    }

    /** Cut after 1 byte, inside the first fields, inside the graph, and one byte short of the end. */
    @Test
    void aTruncatedCopyIsRefusedAsTruncated() throws IOException {
        for (int keep : new int[] {1, 5, 40, bytes.length / 2, bytes.length - 1}) {
            Path cut = Files.write(tmp.resolve("cut" + keep + ".onnx"), Arrays.copyOf(bytes, keep));
            IllegalArgumentException e = refused(cut);
            assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("(" + keep + " bytes)")
                    && e.getMessage().contains("truncated"), keep + " bytes: " + e.getMessage());
        }
    }

    @Test
    void aFileThatIsNotOnnxIsRefused() throws IOException {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        Path image = Files.write(tmp.resolve("image.onnx"), png);
        IllegalArgumentException e = refused(image);
        assertTrue(e.getMessage().contains(image + " is not an ONNX model") && e.getMessage().contains("89 50 4e 47"),
                e.getMessage());
        Path text = Files.writeString(tmp.resolve("notes.onnx"), "model weights go here\n", StandardCharsets.UTF_8);
        e = refused(text);
        assertTrue(e.getMessage().contains(text.toString()) && e.getMessage().contains("not an ONNX model"),
                e.getMessage());
    }

    @Test
    void anEmptyOrMissingFileIsNamed() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.onnx"));
        assertTrue(refused(empty).getMessage().contains(empty + " is empty"));
        Path missing = tmp.resolve("missing.onnx");
        assertTrue(refused(missing).getMessage().contains(missing + " does not exist"));
        assertTrue(refused(tmp).getMessage().contains(tmp + " is not a regular file"));
    }

    @Test
    void aGraphWithAnotherInputIsRefused() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                    () -> OnnxRuntimeRun.run(good, "pixels", m.ones(new Shape(1, 3, 4)), m));
            assertTrue(name.getMessage().contains("takes the inputs [x]") && name.getMessage().contains("'pixels'"),
                    name.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> OnnxRuntimeRun.run(good, "x", m.ones(new Shape(1, 3, 5)), m));
            assertTrue(shape.getMessage().contains("[-1, 3, 4]") && shape.getMessage().contains("[1, 3, 5]"),
                    shape.getMessage());
        }
    }
}
