package io.github.tokenreduce.bench.step;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.KeyMetric;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * The fixed cost of one reduction step at a CLIP ViT-B/16 site ({@code [8, 197, 768]}, 12 heads,
 * r = 16; each method on the keys it asks for: ToMe, MADTP and PuMer the head-mean keys, CrossGET the
 * full keys with a cross token; PuMer over 40 text then 157 image tokens): milliseconds
 * per step and the NDArrays one step creates (about one per native operation). Run by
 * {@link StepCostMain}, which can load two builds of the core side by side and interleave them.
 */
public final class StepCost implements AutoCloseable {

    private final NDManager manager;
    private final TokenReducer reducer;
    private final TokenSet tokens;
    private final SiteInputs inputs;

    /** A site for {@code method} ("tome", "crossget", "madtp" or "pumer") with fixed random inputs. */
    public StepCost(String method, int batch) {
        manager = NDManager.newBaseManager();
        int n = 197;
        manager.getEngine().setRandomSeed(7);
        NDArray hidden = manager.randomNormal(new Shape(batch, n, 768));
        NDArray keys = manager.randomNormal(new Shape(batch, n, 768));
        NDArray att = manager.randomNormal(new Shape(batch, 12, n, n)).softmax(3);
        TokenSet.Builder t = TokenSet.builder(hidden).protect(0);
        SiteInputs.Builder in = SiteInputs.builder().guide(keys.get(":, -1, :")).attention(att);
        switch (method) {
            case "tome" -> reducer = ToMeReducer.builder().r(16).build();
            case "crossget" -> {
                reducer = CrossGetReducer.builder().r(16).build();
                t.protect(0, -1);
            }
            case "madtp" -> reducer = MadtpReducer.builder().temperature(2f)
                    .dictionary(manager.randomNormal(new Shape(100, 768))).build();
            case "pumer" -> {
                reducer = PumerReducer.builder().layers(0).build();
                t.spans(ModalitySpans.textThenImage(40, n - 40));
                in.crossAttention(att.get(":, :, :40, 40:"));
            }
            default -> throw new IllegalArgumentException("method: " + method
                    + "; expected tome, crossget, madtp or pumer");
        }
        in.metric(reducer.keyMetric() == KeyMetric.HEAD_MEAN
                ? keys.reshape(batch, n, 12, 64).mean(new int[] {2}) : keys);
        tokens = t.build();
        inputs = in.build();
    }

    /** One step, its result forced to the host: the sum of the reduced hidden states. */
    public float step() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return reducer.reduce(tokens, inputs, 0).tokens().hidden().sum().getFloat();
        }
    }

    /**
     * Runs {@code steps} steps; returns {wall milliseconds per step, arrays per step, checksum, CPU
     * milliseconds per step of the calling thread}. With one intra-op thread
     * ({@code OMP_NUM_THREADS=1}) the native work runs on the calling thread, so its CPU time is
     * the step's cost even on a loaded machine.
     */
    public double[] run(int steps) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long arrays = 0;
        double sum = 0;
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray h = reducer.reduce(tokens, inputs, 0).tokens().hidden();
                sum += h.sum().getFloat();
                arrays += scopeSize(scope);
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6 / steps;
        double cpu = (threads.getCurrentThreadCpuTime() - c0) / 1e6 / steps;
        return new double[] {ms, (double) arrays / steps, sum / steps, cpu};
    }

    private static int scopeSize(NDScope scope) {
        try {
            Field f = NDScope.class.getDeclaredField("resources");
            f.setAccessible(true);
            return ((Map<?, ?>) f.get(scope)).size();
        } catch (ReflectiveOperationException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
