package io.github.tokenreduce.djl.nn;

import ai.djl.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The number format of a model's matrix products (the linear layers of every block; norms,
 * softmax, residuals and every reduction decision stay in float32).
 *
 * <ul>
 *   <li>{@link #FP32}: float32 throughout (the default).
 *   <li>{@link #BF16}: weights held in bfloat16, activations cast per product, float32 accumulation
 *       and output (oneDNN, AMX or AVX512-BF16 on CPU).
 *   <li>{@link #INT8}: dynamic quantization — weights int8 per output channel, activations
 *       quantized per tensor at run time (FBGEMM, AVX512-VNNI / AVX2 on CPU; CPU only).
 *   <li>{@link #AUTO}: the fastest the device supports ({@link #resolve}).
 * </ul>
 * See docs/performance.md, "Low precision", for the route and the measured accuracy cost.
 */
public enum Precision {
    FP32, BF16, INT8, AUTO;

    private static final Logger LOG = LoggerFactory.getLogger(Precision.class);

    /** {@code fp32}, {@code bf16}, {@code int8} or {@code auto}, in any case. */
    public static Precision parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("precision: expected fp32, bf16, int8 or auto, got '" + name + "'");
        }
    }

    /** Lower-case name as the command line spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The precision that will run on {@code device}: {@link #AUTO} becomes bf16 where the CPU has
     * bfloat16 instructions (or on a GPU), else float32; a requested bf16 or int8 the device cannot run
     * fast falls back to float32 with one log line. Never throws for a supported enum value.
     */
    public Precision resolve(Device device) {
        return resolve(device, CpuFeatures.current());
    }

    /** As {@link #resolve(Device)}, for a CPU with {@code cpu}'s features. */
    Precision resolve(Device device, CpuFeatures cpu) {
        boolean gpu = device != null && device.isGpu();
        switch (this) {
            case AUTO:
                return gpu || cpu.bf16() ? BF16 : FP32;
            case BF16:
                if (gpu || cpu.bf16()) {
                    return BF16;
                }
                LOG.info("precision bf16: this CPU ({}) has neither AMX-BF16 nor AVX512-BF16; running float32",
                        cpu.model());
                return FP32;
            case INT8:
                if (!gpu && cpu.int8()) {
                    return INT8;
                }
                LOG.info("precision int8: {} has no int8 dot-product instructions (AVX512-VNNI, AVX-VNNI, AMX-INT8) "
                        + "or is a GPU; running float32", gpu ? "the device" : "this CPU (" + cpu.model() + ")");
                return FP32;
            default:
                return FP32;
        }
    }

    /**
     * The distinct precisions that will actually run on {@code device} for {@code requested} (auto and
     * unsupported ones resolved), float32 first: the rows of a comparison against float32.
     */
    public static List<Precision> resolveAll(List<Precision> requested, Device device) {
        List<Precision> out = new ArrayList<>(List.of(FP32));
        for (Precision p : requested) {
            Precision r = p.resolve(device);
            if (!out.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }
}
