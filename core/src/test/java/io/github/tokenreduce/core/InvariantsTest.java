package io.github.tokenreduce.core;

import static io.github.tokenreduce.core.testing.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.testing.Methods;
import io.github.tokenreduce.core.tome.ToMeReducer;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * Properties every reduction must keep, on seeded random inputs. Each property is a check that
 * throws; controls (a reducer that removes nothing, one that drops tokens instead of merging them,
 * one that drops the protected token) show that each check fails when its property is broken.
 */
class InvariantsTest {

    /** Fails unless the method removed at least one token. */
    private static void assertRemovedTokens(String name, TokenSet in, Reduction out) {
        assertTrue(out.tokens().length() < in.length(), name + ": removed nothing (" + in.length() + " tokens in, "
                + out.tokens().length() + " out)");
    }

    /** Fails unless each sample's total size is unchanged: merged tokens carry the sizes of those they absorbed. */
    private static void assertTotalSizeKept(String name, TokenSet in, Reduction out) {
        assertClose(in.sizes().sum(new int[] {1}), out.tokens().sizes().sum(new int[] {1}), 1e-4, name + " total size");
    }

    /** Fails unless Σ size·x over each sample's tokens is unchanged (a size-weighted average merge). */
    private static void assertWeightedSumKept(String name, TokenSet in, Reduction out) {
        NDArray before = in.hidden().mul(in.sizes().expandDims(2)).sum(new int[] {1});
        NDArray after = out.tokens().hidden().mul(out.tokens().sizes().expandDims(2)).sum(new int[] {1});
        assertClose(before, after, 1e-3, name + " size-weighted sum");
    }

    /** Fails unless the protected tokens are as many as before and the first (the CLS) is unchanged, in place. */
    private static void assertProtectedKept(String name, TokenSet in, Reduction out) {
        NDArray prot = out.tokens().protectedMask();
        assertEquals(in.protectedMask().sum().getFloat(), prot.sum().getFloat(), name + ": protected count");
        assertEquals(in.protectedMask().get(":, 0").sum().getFloat(), prot.get(":, 0").sum().getFloat(),
                name + ": the CLS is no longer first and protected");
        assertClose(in.hidden().get(":, 0, :"), out.tokens().hidden().get(":, 0, :"), 0, name + ": CLS value");
    }

    private interface Check {
        void check(String name, TokenSet in, Reduction out);
    }

    /** The controls: each breaks one property. */
    private static final Map<String, TokenReducer> CONTROLS = Map.of(
            "no-op", new Control("no-op", t -> t),
            "drop the last quarter", new Control("drop", t -> t.slice(0, t.length() - t.length() / 4)),
            "drop the first token", new Control("drop-first", t -> t.slice(1, t.length())));

    /** Asserts that {@code check} fails on the control {@code control}, run on {@code in}. */
    private static void assertControlFails(Check check, String control, TokenSet in, SiteInputs inputs) {
        Reduction out = CONTROLS.get(control).reduce(in, inputs, 0);
        assertThrows(AssertionFailedError.class, () -> check.check(control, in, out),
                "the check passed the control '" + control + "', so it cannot tell a broken method");
    }

    @Test
    void everyMethodRemovesTokensAndKeepsItsProtectedTokens() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(11);
            NDArray x = m.randomNormal(new Shape(2, 30, 6));
            List<Methods.Run> runs = Methods.all(m, x, m.randomNormal(new Shape(2, 30, 6)), null);
            assertEquals(List.of("tome", "crossget", "madtp", "pumer"), runs.stream().map(Methods.Run::name).toList());
            for (Methods.Run run : runs) {
                Reduction out = run.reducer().reduce(run.tokens(), run.inputs(), 0);
                assertRemovedTokens(run.name(), run.tokens(), out);
                assertProtectedKept(run.name(), run.tokens(), out);
            }
            Methods.Run any = runs.get(0);
            assertControlFails(InvariantsTest::assertRemovedTokens, "no-op", any.tokens(), any.inputs());
            assertControlFails(InvariantsTest::assertProtectedKept, "drop the first token", any.tokens(), any.inputs());
        }
    }

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
                assertRemovedTokens(red.name(), t, out);
                assertEquals(30, out.tokens().length(), red.name() + ": 50 - r");
                assertTotalSizeKept(red.name(), t, out);
            }
            assertWeightedSumKept("tome", t, ToMeReducer.builder().r(20).build().reduce(t, in, 0));
            assertControlFails(InvariantsTest::assertTotalSizeKept, "drop the last quarter", t, in);
            assertControlFails(InvariantsTest::assertWeightedSumKept, "drop the last quarter", t, in);
        }
    }

    @Test
    void mergingIdenticalTokensLeavesTheirValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(13);
            NDArray v = m.randomNormal(new Shape(1, 1, 6));
            NDArray x = v.repeat(1, 24);
            for (Methods.Run run : Methods.all(m, x, m.randomNormal(new Shape(1, 24, 6)), null)) {
                Reduction out = run.reducer().reduce(run.tokens(), run.inputs(), 0);
                assertRemovedTokens(run.name(), run.tokens(), out);
                NDArray expected = v.repeat(1, out.tokens().length());
                assertClose(expected, out.tokens().hidden(), 1e-5, run.name());
            }
        }
    }

    @Test
    void heavilyPaddedRowsNeverProduceNaN() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(17);
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
            m.getEngine().setRandomSeed(19);
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
            m.getEngine().setRandomSeed(23);
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

    /** A stand-in reducer for the controls: applies {@code step} to the tokens (the plan is not meaningful). */
    private record Control(String name, UnaryOperator<TokenSet> step) implements TokenReducer {
        @Override
        public Reduction reduce(TokenSet tokens, SiteInputs inputs, int layer) {
            TokenSet out = step.apply(tokens);
            return new Reduction(out, MergePlan.identity(out.hidden(), out.batch(), out.length()));
        }

        @Override
        public Set<SiteInput> requires() {
            return Set.of();
        }

        @Override
        public boolean proportionalAttention() {
            return false;
        }

        @Override
        public boolean activeAt(int layer) {
            return true;
        }
    }
}
