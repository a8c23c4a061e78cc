package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A product {@code x · W} with a constant float32 weight W [in, out] written as ONNX's dynamic
 * quantization, the form ONNX Runtime fuses into one int8 kernel (MLAS, on VNNI or AMX-INT8 where
 * the CPU has them): W symmetric int8 per output column ({@code scale_j = max_i |W_ij| / 127}),
 * x quantized per tensor to uint8 at run time:
 * {@code DynamicQuantizeLinear(x) → MatMulInteger → Cast → Mul(x_scale · scale)}. x [..., in] float32
 * gives [..., out] float32. Everything downstream (scores, argsorts, merges) stays float32.
 */
final class Int8MatMul {

    /** Smallest matrix side quantized: smaller constant products are not weights worth an int8 kernel. */
    static final long MIN_SIDE = 16;

    private Int8MatMul() {}

    /** Whether {@code operand} is a constant float32 matrix of weight size. */
    static boolean isWeight(Object operand) {
        if (!(operand instanceof NDArray) || Tracer.dependsOnInput(operand)) {
            return false;
        }
        NDArray w = (NDArray) Tracer.unwrap(operand);
        return w.getDataType() == DataType.FLOAT32 && w.getShape().dimension() == 2
                && w.getShape().get(0) >= MIN_SIDE && w.getShape().get(1) >= MIN_SIDE;
    }

    /**
     * Adds the quantized product of the graph value {@code x} with {@code w} [in, out]; returns its value.
     * A weight is quantized once per trace ({@link Tracer#int8Weight}), however many branches use it.
     */
    static String emit(Tracer t, String x, NDArray w) {
        String[] qs = t.int8Weight(w, Int8MatMul::quantize);
        OnnxGraph g = t.graph();
        String[] dq = g.node("DynamicQuantizeLinear", List.of(x), 3); // uint8 x, its scale and zero point
        String product = g.node("MatMulInteger", List.of(dq[0], qs[0], dq[2]));
        String scales = g.node("Mul", List.of(dq[1], qs[1]));
        return g.node("Mul", List.of(g.node("Cast", List.of(product), OnnxGraph.attr("to", 1)), scales));
    }

    /** {@code w} [in, out] as initializers: int8 values [in, out] and float32 scales [out] (symmetric per column). */
    private static String[] quantize(OnnxGraph g, NDArray w) {
        int in = (int) w.getShape().get(0);
        int out = (int) w.getShape().get(1);
        float[] v = w.toFloatArray();
        float[] scale = new float[out];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                scale[j] = Math.max(scale[j], Math.abs(v[i * out + j]));
            }
        }
        for (int j = 0; j < out; j++) {
            scale[j] = Math.max(scale[j], 1e-12f) / 127f;
        }
        byte[] q = new byte[in * out];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                q[i * out + j] = (byte) Math.max(-127, Math.min(127, Math.round(v[i * out + j] / scale[j])));
            }
        }
        ByteBuffer s = ByteBuffer.allocate(4 * out).order(ByteOrder.LITTLE_ENDIAN);
        s.asFloatBuffer().put(scale);
        return new String[] {g.initializer(new long[] {in, out}, DataType.INT8, q),
                g.initializer(new long[] {out}, DataType.FLOAT32, s.array())};
    }
}
