package io.github.tokenreduce.djl.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class BucketedExportTest {

    @TempDir
    Path tmp;

    /** Masked sum of the ids times the bucket length: which branch ran shows in the value. */
    private static final BucketedExport.Forward FORWARD = (length, in, afterBlock) -> {
        NDArray x = in.get("ids").toType(DataType.FLOAT32, false).mul(in.get("mask").toType(DataType.FLOAT32, false));
        afterBlock.accept(x.expandDims(2));
        return new OnnxExport.Traced(Map.of("y", x.sum(new int[] {1}).mul((float) length)), new int[] {length});
    };

    private static Map<String, NDArray> batch(NDManager m, long[][] ids) {
        int l = ids[0].length;
        long[] flat = new long[ids.length * l];
        long[] mask = new long[ids.length * l];
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < l; j++) {
                flat[i * l + j] = ids[i][j];
                mask[i * l + j] = ids[i][j] != 0 ? 1 : 0;
            }
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("ids", m.create(flat, new Shape(ids.length, l)));
        out.put("mask", m.create(mask, new Shape(ids.length, l)));
        return out;
    }

    /** Each length runs the smallest bucket that holds it, padded; a longer input fails, it is not cut. */
    @Test
    void runsTheBucketThatHoldsTheLength() throws Exception {
        Path file = tmp.resolve("b.onnx");
        Map<String, DataType> inputs = new LinkedHashMap<>();
        inputs.put("ids", DataType.INT64);
        inputs.put("mask", DataType.INT64);
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            BucketedExport.export(t, "g", "a test function", inputs, new int[] {4, 8, 16},
                    length -> {
                        long[][] ids = new long[2][length];
                        for (int j = 0; j < length; j++) {
                            ids[0][j] = j + 1;
                            ids[1][j] = j < length / 2 ? 2 : 0;
                        }
                        return batch(m, ids);
                    }, FORWARD, List.of(), 0.99, file);
            for (int[] c : new int[][] {{1, 4}, {4, 4}, {5, 8}, {8, 8}, {9, 16}, {16, 16}}) {
                long[][] ids = new long[3][c[0]];
                for (int j = 0; j < c[0]; j++) {
                    ids[0][j] = 3;
                    ids[1][j] = j == 0 ? 1 : 0;
                    ids[2][j] = j + 1;
                }
                Map<String, NDArray> out = OnnxRuntimeRun.run(file, batch(m, ids), m);
                float n = c[0];
                assertArrayEquals(new float[] {3 * n * c[1], c[1], n * (n + 1) / 2 * c[1]}, out.get("y").toFloatArray(),
                        1e-3f, "length " + c[0]);
                assertArrayEquals(new long[] {c[1]}, out.get(OnnxExport.TOKENS_PER_LAYER).toLongArray(), "length " + c[0]);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> OnnxRuntimeRun.run(file, batch(m, new long[][] {new long[17], new long[17]}), m));
            assertTrue(e.getMessage().contains("ONNX Runtime"), e.getMessage());
        }
    }

    @Test
    void refusesLengthsNotAscending() {
        try (Tracer t = new Tracer(Device.cpu())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BucketedExport.export(t,
                    "g", "f", Map.of("ids", DataType.INT64), new int[] {8, 4}, l -> null, FORWARD, List.of(), 0.99,
                    tmp.resolve("x.onnx")));
            assertTrue(e.getMessage().contains("[8, 4]"), e.getMessage());
        }
    }
}
