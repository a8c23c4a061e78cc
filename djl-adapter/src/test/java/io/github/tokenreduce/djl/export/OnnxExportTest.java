package io.github.tokenreduce.djl.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

class OnnxExportTest {

    @TempDir
    Path tmp;

    /** Doubles x when its largest value is positive, else triples it: a decision the trace reads into Java. */
    private static final Function<NDArray, NDArray> BRANCHY = x -> x.max().getFloat() > 0 ? x.mul(2f) : x.mul(3f);

    private static OnnxExport.InputForward forward() {
        return (x, afterBlock) -> {
            NDArray h = BRANCHY.apply(x).reshape(x.getShape().get(0), 3, 1); // [B, 3, 1]: 3 "tokens"
            afterBlock.accept(h);
            return new OnnxExport.Traced(Map.of("y", h.reshape(x.getShape().get(0), 3)), new int[] {3});
        };
    }

    @Test
    void writesAndChecksTheGraph() throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray example = OnnxExport.gaussian(m, new Shape(2, 3)).abs().add(0.1f);
            NDArray probe = m.create(new float[] {1f, 2f, 3f}, new Shape(1, 3));
            OnnxExport.Result r = OnnxExport.export(t, "g", "a test function", "x", example, forward(),
                    List.of(new OnnxExport.Probe(Map.of("x", probe), Map.of("y", BRANCHY.apply(probe)), new int[] {3})),
                    tmp.resolve("g.onnx"));
            assertArrayEquals(new int[] {3}, r.tokensPerLayer());
            assertTrue(r.maxDifference() < 1e-6, "difference " + r.maxDifference());
            assertTrue(r.reads().get(0).contains("getFloat"), "the branch's read is listed: " + r.reads());
        }
    }

    /** A probe whose input takes the other branch shows the graph only holds for the example: no file is left. */
    @Test
    void aProbeTheGraphAnswersWronglyRemovesTheFile() throws Exception {
        Path file = tmp.resolve("g.onnx");
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray example = OnnxExport.gaussian(m, new Shape(2, 3)).abs().add(0.1f);
            NDArray negative = m.create(new float[] {-1f, -2f, -3f}, new Shape(1, 3));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> OnnxExport.export(t, "g",
                    "a test function", "x", example, forward(),
                    List.of(new OnnxExport.Probe(Map.of("x", negative), Map.of("y", BRANCHY.apply(negative)), new int[] {3})), file));
            assertTrue(e.getMessage().contains("probe 1") && e.getMessage().contains("removed"), e.getMessage());
            assertFalse(Files.exists(file), "the file is removed");
        }
    }

    /** A trace the graph cannot express writes nothing and names the model. */
    @Test
    void aRefusedTraceWritesNothing() {
        Path file = tmp.resolve("g.onnx");
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> OnnxExport.export(t, "g", "a test function", "x", m.ones(new Shape(2, 3)),
                            (x, afterBlock) -> new OnnxExport.Traced(Map.of("y", x.cos()), new int[0]), file));
            assertTrue(e.getMessage().contains("a test function") && e.getMessage().contains("cos"), e.getMessage());
            assertFalse(Files.exists(file), "nothing is written");
        }
    }

    /** A graph with two inputs (ids and a mask, as a text model has) follows both, and a third batch is refused. */
    /**
     * Attention whose scores are large enough that the eager path slices the batch (one sample at a time
     * here, at the example's batch of 2) traces in one piece: the graph follows any batch, here 3.
     */
    @Test
    void attentionTheEagerPathSlicesTracesInOnePiece() throws Exception {
        int n = 1500;
        int c = 8;
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray qkvT = OnnxExport.gaussian(t.witnessManager(), new Shape(c, 3 * c)).mul(0.3f);
            NDArray outT = OnnxExport.gaussian(t.witnessManager(), new Shape(c, c)).mul(0.3f);
            NDArray zeros3 = t.witnessManager().zeros(new Shape(3 * c));
            NDArray zeros = t.witnessManager().zeros(new Shape(c));
            io.github.tokenreduce.djl.nn.AttentionWeights traced = new io.github.tokenreduce.djl.nn.AttentionWeights(
                    t.constant(qkvT), t.constant(zeros3), t.constant(outT), t.constant(zeros), 1);
            io.github.tokenreduce.djl.nn.AttentionWeights eager = new io.github.tokenreduce.djl.nn.AttentionWeights(
                    qkvT, zeros3, outT, zeros, 1);
            Path file = tmp.resolve("attention.onnx");
            OnnxExport.export(t, "g", "sliced attention", "x", OnnxExport.gaussian(m, new Shape(2, n, c)),
                    (x, afterBlock) -> {
                        NDArray y = io.github.tokenreduce.djl.nn.SelfAttention.forward(
                                io.github.tokenreduce.djl.nn.Matmuls.FP32, x, traced, null,
                                io.github.tokenreduce.djl.nn.SelfAttention.Want.NOTHING).output();
                        afterBlock.accept(y);
                        return new OnnxExport.Traced(Map.of("y", y), new int[] {n});
                    }, file);
            NDArray x3 = OnnxExport.gaussian(m, new Shape(3, n, c)).mul(0.5f);
            NDArray expected = io.github.tokenreduce.djl.nn.SelfAttention.forward(
                    io.github.tokenreduce.djl.nn.Matmuls.FP32, x3, eager, null,
                    io.github.tokenreduce.djl.nn.SelfAttention.Want.NOTHING).output();
            NDArray y = OnnxRuntimeRun.run(file, "x", x3, m).get("y");
            assertTrue(y.sub(expected).abs().max().getFloat() < 1e-5, "batch 3 in the graph vs eager (sliced)");
        }
    }

    @Test
    void twoInputsShareTheBatch() throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            NDArray x = OnnxExport.gaussian(m, new Shape(2, 3));
            NDArray mask = m.create(new float[] {1, 1, 0, 1, 0, 0}, new Shape(2, 3));
            OnnxExport.Forward masked = (in, afterBlock) -> {
                NDArray h = in.get("x").mul(in.get("mask")).add(in.get("mask").mul(10f));
                afterBlock.accept(h.expandDims(2));
                return new OnnxExport.Traced(Map.of("y", h), new int[] {3});
            };
            java.util.Map<String, NDArray> example = new java.util.LinkedHashMap<>();
            example.put("x", x);
            example.put("mask", mask);
            Path file = tmp.resolve("two.onnx");
            OnnxExport.Result r = OnnxExport.export(t, "g", "a masked function", example, masked, List.of(), file);
            assertTrue(r.maxDifference() < 1e-6, "difference " + r.maxDifference());
            NDArray x3 = OnnxExport.gaussian(m, new Shape(3, 3)).mul(2f);
            NDArray mask3 = m.create(new float[] {0, 1, 1, 1, 1, 1, 1, 0, 1}, new Shape(3, 3));
            NDArray y = OnnxRuntimeRun.run(file, Map.of("x", x3, "mask", mask3), m).get("y");
            assertArrayEquals(x3.mul(mask3).add(mask3.mul(10f)).toFloatArray(), y.toFloatArray(), 1e-6f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxRuntimeRun.run(file, Map.of("x", x3), m));
            assertTrue(e.getMessage().contains("mask"), e.getMessage());
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            t.input("x", m.ones(new Shape(2, 3)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.input("mask", m.ones(new Shape(3, 3))));
            assertTrue(e.getMessage().contains("batch 2"), e.getMessage());
        }
    }
}
