package io.github.tokenreduce.djl.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

class TracerTest {

    @TempDir
    Path tmp;

    /** A function traced on a batch of 2 and run by ONNX Runtime on a batch of 3 equals the eager result. */
    @Test
    void tracedGraphComputesTheEagerFunctionAtAnotherBatch() throws Exception {
        UnaryOperator<NDArray> f = x -> {
            NDManager m = x.getManager();
            NDArray w = m.create(new float[] {0.5f, -1f, 2f, 0.25f}, new Shape(4, 1));
            NDArray ones = m.ones(new Shape(x.getShape().get(0), 3)); // a batch-sized constant
            NDArray h = x.matMul(w.reshape(1, 4).broadcast(4, 4)).add(1f).softmax(-1); // [B, 3, 4]
            NDArray order = h.argSort(2, true); // ascending
            NDArray picked = h.gather(order.get(":, :, 0:2"), 2); // two smallest per row
            NDArray keep = picked.sum(new int[] {2}).gt(0.3f);
            NDArray y = NDArrays.where(keep, ones, ones.zerosLike().sub(2f));
            return NDArrays.concat(new NDList(y, h.get(":, :, 1").mul(ones)), 1);
        };
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray example = m.randomNormal(new Shape(2, 3, 4));
            NDArray other = m.randomNormal(new Shape(3, 3, 4));
            Path file = tmp.resolve("f.onnx");
            try (Tracer t = new Tracer(Device.cpu())) {
                NDArray out = f.apply(t.input("x", example));
                assertEquals(new Shape(2, 6), out.getShape());
                t.output("y", out);
                Files.write(file, t.toBytes("f"));
                assertTrue(t.reads().isEmpty(), "no value was read into Java: " + t.reads());
            }
            NDArray expected = f.apply(other);
            NDArray actual = OnnxRuntimeRun.run(file, "x", other, m).get("y");
            assertEquals(expected.getShape(), actual.getShape());
            assertTrue(expected.sub(actual).abs().max().getFloat() < 1e-6, "ONNX Runtime differs from eager");
        }
    }

    /**
     * A Java-made range 0..1 at an example batch of 2 is the batch index while it stays on the first
     * axis (a row gather), and a range of two token positions once reshaped off it (a comparison
     * matrix, as the stable ranking builds): both give the eager result at a batch of 3.
     */
    @Test
    void aRangeOfTheBatchLengthIsTheBatchIndexOnlyOnTheFirstAxis() throws Exception {
        UnaryOperator<NDArray> f = x -> {
            NDManager m = x.getManager();
            long n = x.getShape().get(1); // 2 tokens, the example's batch too
            NDArray rows = m.arange(0, x.getShape().get(0), 1, DataType.INT64).expandDims(1); // [B, 1]
            NDArray firstToken = x.get(new ai.djl.ndarray.index.NDIndex("{}, {}", rows,
                    m.zeros(new Shape(x.getShape().get(0), 1), DataType.INT64))); // [B, 1, C]
            NDArray idx = m.arange(0, n, 1, DataType.INT64);
            NDArray earlier = idx.reshape(1, 1, n).lt(idx.reshape(1, n, 1)).toType(DataType.FLOAT32, false);
            NDArray mixed = earlier.matMul(x); // [B, N, C]: each token sees the earlier ones
            return mixed.add(firstToken);
        };
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray example = m.randomNormal(new Shape(2, 2, 3));
            NDArray other = m.randomNormal(new Shape(3, 2, 3));
            Path file = tmp.resolve("range.onnx");
            try (Tracer t = new Tracer(Device.cpu())) {
                t.output("y", f.apply(t.input("x", example)));
                Files.write(file, t.toBytes("range"));
            }
            NDArray expected = f.apply(other);
            NDArray actual = OnnxRuntimeRun.run(file, "x", other, m).get("y");
            assertEquals(expected.getShape(), actual.getShape());
            assertTrue(expected.sub(actual).abs().max().getFloat() < 1e-6, "ONNX Runtime differs from eager");
        }
    }

    /**
     * DJL's {@code where} needs its condition and first operand expanded to the result's shape; ONNX's
     * {@code Where} broadcasts, so the graph takes them before their {@code Expand} unless the result's shape
     * needs it: of three expanded operands here one Expand stays, and the graph equals eager at another batch.
     */
    @Test
    void whereTakesOperandsBeforeTheirExpand() throws Exception {
        UnaryOperator<NDArray> f = x -> { // [B, N]
            Shape full = new Shape(x.getShape().get(0), x.getShape().get(1), x.getShape().get(1));
            NDArray cond = x.gt(0f).expandDims(1).broadcast(full); // from [B, 1, N]
            NDArray both = NDArrays.where(cond, x.expandDims(2).broadcast(full), x.expandDims(1)); // from [B, N, 1]
            NDArray total = x.sum(new int[] {1}, true).expandDims(2).broadcast(full); // from [B, 1, 1]: needed
            NDArray one = NDArrays.where(x.lt(0.5f).expandDims(1).broadcast(full), total, x.getManager().create(-3f));
            return NDArrays.concat(new NDList(both, one), 1);
        };
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray example = m.randomNormal(new Shape(2, 4));
            NDArray other = m.randomNormal(new Shape(3, 4));
            Path file = tmp.resolve("where.onnx");
            try (Tracer t = new Tracer(Device.cpu())) {
                t.output("y", f.apply(t.input("x", example)));
                Files.write(file, t.toBytes("where"));
            }
            long expands = io.github.tokenreduce.djl.weights.onnx.OnnxModel.read(file).nodes().stream()
                    .filter(n -> n.opType().equals("Expand")).count();
            assertEquals(1, expands, "Expand nodes left in the graph");
            NDArray expected = f.apply(other);
            NDArray actual = OnnxRuntimeRun.run(file, "x", other, m).get("y");
            assertEquals(expected.getShape(), actual.getShape());
            assertTrue(expected.sub(actual).abs().max().getFloat() < 1e-6, "ONNX Runtime differs from eager: "
                    + expected.sub(actual).abs().max().getFloat());
        }
    }

    @Test
    void anOperationWithoutOnnxFormIsNamed() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray x = t.input("x", m.ones(new Shape(2, 3)));
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> x.cos());
            assertTrue(e.getMessage().contains("NDArray.cos()"), e.getMessage());
        }
    }

    @Test
    void constantsFoldEagerly() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray x = t.input("x", m.ones(new Shape(2, 3)));
            NDArray c = t.manager().create(new float[] {1f, 2f, 3f}).cos(); // no ONNX form, but a constant
            t.output("y", x.add(c));
            assertEquals(DataType.FLOAT32, c.getDataType());
        }
    }

    @Test
    void batchDependentOperationsAreRejected() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray x = t.input("x", m.ones(new Shape(2, 3)));
            assertTrue(assertThrows(UnsupportedOperationException.class, () -> x.reshape(6)).getMessage()
                    .contains("batch axis"));
            assertTrue(assertThrows(UnsupportedOperationException.class, () -> x.get("0:1")).getMessage()
                    .contains("batch axis"));
            assertTrue(assertThrows(UnsupportedOperationException.class, () -> x.transpose(1, 0)).getMessage()
                    .contains("batch axis"));
            UnsupportedOperationException rows = assertThrows(UnsupportedOperationException.class,
                    () -> t.manager().create(new float[] {1f, 2f}, new Shape(2, 1)));
            assertTrue(rows.getMessage().contains("rows differ"), rows.getMessage());
        }
    }

    @Test
    void readsIntoJavaAreListed() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray x = t.input("x", m.ones(new Shape(2, 3)));
            assertEquals(6f, x.sum().getFloat());
            assertEquals(1, t.reads().size(), t.reads().toString());
            assertTrue(t.reads().get(0).contains("getFloat") && t.reads().get(0).contains("TracerTest"), t.reads().toString());
        }
    }

    @Test
    void exampleNeedsABatchAboveOne() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            assertThrows(IllegalArgumentException.class, () -> t.input("x", m.ones(new Shape(1, 3))));
        }
    }

    @Test
    void onnxRuntimeReadsTheOutputsBack() throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Path file = tmp.resolve("id.onnx");
            try (Tracer t = new Tracer(Device.cpu())) {
                NDArray x = t.input("x", m.ones(new Shape(2, 2)));
                t.output("y", x.mul(3f));
                t.sizesOutput("n", java.util.List.of(t.size(x, 1)));
                Files.write(file, t.toBytes("id"));
            }
            Map<String, NDArray> out = OnnxRuntimeRun.run(file, "x", m.arange(0f, 10f).reshape(5, 2), m);
            assertEquals(m.arange(0f, 10f).reshape(5, 2).mul(3f), out.get("y"));
            assertEquals(2L, out.get("n").toLongArray()[0]);
        }
    }
}
