package io.github.tokenreduce.core;

import static io.github.tokenreduce.core.testing.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.testing.Methods;
import io.github.tokenreduce.core.tome.ToMeReducer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Properties every reduction must keep, on random inputs. */
class InvariantsTest {

    @Test
    void tomeAndCrossGetPreserveTotalSizeAndToMePreservesWeightedMean() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            NDArray x = m.randomNormal(new Shape(3, 50, 8));
            NDArray sizes = m.randomInteger(1, 4, new Shape(3, 50), ai.djl.ndarray.types.DataType.INT32)
                    .toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            TokenSet t = TokenSet.builder(x).sizes(sizes).protect(0, -1).build();
            SiteInputs in = SiteInputs.builder().metric(m.randomNormal(new Shape(3, 50, 8)))
                    .guide(m.randomNormal(new Shape(3, 8))).build();
            for (TokenReducer red : List.of(ToMeReducer.builder().r(20).build(),
                    CrossGetReducer.builder().r(20).build())) {
                Reduction out = red.reduce(t, in, 0);
                assertClose(sizes.sum(new int[] {1}), out.tokens().sizes().sum(new int[] {1}), 1e-4,
                        red.name() + " total size");
            }
            Reduction tome = ToMeReducer.builder().r(20).build().reduce(t, in, 0);
            NDArray before = x.mul(sizes.expandDims(2)).sum(new int[] {1});
            NDArray after = tome.tokens().hidden().mul(tome.tokens().sizes().expandDims(2)).sum(new int[] {1});
            assertClose(before, after, 1e-3, "size-weighted sum");
        }
    }

    @Test
    void protectedTokensSurviveUnchangedUnderEveryMethod() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 30, 6));
            for (Methods.Run run : Methods.all(m, x, m.randomNormal(new Shape(2, 30, 6)), null)) {
                Reduction out = run.reducer().reduce(run.tokens(), run.inputs(), 0);
                NDArray prot = out.tokens().protectedMask();
                assertEquals(run.tokens().protectedMask().sum().getFloat(), prot.sum().getFloat(),
                        run.name() + ": protected count");
                if (!run.name().equals("pumer")) {
                    // a protected token's value and size are untouched
                    NDArray first = out.tokens().hidden().get(":, 0, :");
                    assertClose(x.get(":, 0, :"), first, 0, run.name() + ": CLS value");
                }
            }
        }
    }

    @Test
    void mergingIdenticalTokensLeavesTheirValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray v = m.randomNormal(new Shape(1, 1, 6));
            NDArray x = v.repeat(1, 24);
            for (Methods.Run run : Methods.all(m, x, m.randomNormal(new Shape(1, 24, 6)), null)) {
                Reduction out = run.reducer().reduce(run.tokens(), run.inputs(), 0);
                NDArray expected = v.repeat(1, out.tokens().length());
                assertClose(expected, out.tokens().hidden(), 1e-5, run.name());
            }
        }
    }

    @Test
    void heavilyPaddedRowsNeverProduceNaN() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 24, 6));
            float[] mask = new float[48];
            mask[0] = 1; // sample 0: only the CLS is real
            for (int i = 24; i < 48; i++) {
                mask[i] = 1;
            }
            NDArray km = m.create(mask, new Shape(2, 24));
            for (Methods.Run run : Methods.all(m, x, m.randomNormal(new Shape(2, 24, 6)), km)) {
                Reduction out = run.reducer().reduce(run.tokens(), run.inputs(), 0);
                assertFalse(out.tokens().hidden().isNaN().any().getBoolean(), run.name() + " hidden");
                assertFalse(out.tokens().sizes().isNaN().any().getBoolean(), run.name() + " sizes");
                assertFalse(out.tokens().keyMask().isNaN().any().getBoolean(), run.name() + " mask");
                NDArray bias = AttentionBias.of(out.tokens(), true);
                assertFalse(bias.isNaN().logicalOr(bias.isInfinite()).any().getBoolean(), run.name() + " bias");
            }
        }
    }

    @Test
    void sameOutputTwiceAndAcrossThreads() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 40, 8));
            List<Methods.Run> runs = Methods.all(m, x, m.randomNormal(new Shape(2, 40, 8)), null);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (Methods.Run run : runs) {
                    NDArray first = run.reducer().reduce(run.tokens(), run.inputs(), 0).tokens().hidden();
                    List<Future<float[]>> futures = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        futures.add(pool.submit(() -> run.reducer().reduce(run.tokens(), run.inputs(), 0)
                                .tokens().hidden().toFloatArray()));
                    }
                    for (Future<float[]> f : futures) {
                        org.junit.jupiter.api.Assertions.assertArrayEquals(first.toFloatArray(), f.get(),
                                run.name() + ": concurrent result differs");
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void tenThousandCallsInScopesLeaveTheManagerFlat() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 16, 4));
            List<Methods.Run> runs = Methods.all(m, x, m.randomNormal(new Shape(2, 16, 4)), null);
            int before = ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size();
            for (int i = 0; i < 10_000; i++) {
                Methods.Run run = runs.get(i % runs.size());
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    run.reducer().reduce(run.tokens(), run.inputs(), 0);
                }
            }
            int after = ((ai.djl.ndarray.BaseNDManager) m).getManagedArrays().size();
            assertEquals(before, after, "arrays left on the manager after 10,000 scoped calls");
        }
    }
}
