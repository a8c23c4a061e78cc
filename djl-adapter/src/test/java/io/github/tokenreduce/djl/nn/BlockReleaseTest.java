package io.github.tokenreduce.djl.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.KeyMetric;
import io.github.tokenreduce.core.ModelValues;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.testing.RandomVit;
import io.github.tokenreduce.djl.vit.VitLoader;
import io.github.tokenreduce.djl.vit.VitModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Each block's intermediates are freed before the next block runs: the number of live arrays seen
 * at every reduction site of a 12-block ViT stays flat instead of growing with depth, and after the
 * forward only its outputs remain.
 */
class BlockReleaseTest {

    private static final int LAYERS = 12;

    /** Delegates to a method and records the live-array count each time it is called. */
    private record Counting(TokenReducer inner, Supplier<Integer> live, List<Integer> seen) implements TokenReducer {
        @Override
        public Reduction reduce(TokenSet tokens, SiteInputs inputs, int layer) {
            seen.add(live.get());
            return inner.reduce(tokens, inputs, layer);
        }

        @Override
        public Set<SiteInput> requires() {
            return inner.requires();
        }

        @Override
        public boolean proportionalAttention() {
            return inner.proportionalAttention();
        }

        @Override
        public boolean activeAt(int layer) {
            return inner.activeAt(layer);
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public KeyMetric keyMetric() {
            return inner.keyMetric();
        }

        @Override
        public int attentionSummaryRow() {
            return inner.attentionSummaryRow();
        }

        @Override
        public TokenReducer withModelValues(ModelValues values) {
            return new Counting(inner.withModelValues(values), live, seen);
        }
    }

    @Test
    void liveArraysStayFlatAcrossTwelveBlocks() {
        check(ToMeReducer.builder().schedule(Schedule.constant(1)).build());
        check(MadtpReducer.builder().schedule(Schedule.constant(1)).build());
    }

    private static void check(TokenReducer method) {
        try (NDManager weights = NDManager.newBaseManager(); NDManager caller = NDManager.newBaseManager()) {
            VitModel vit = VitModel.of(RandomVit.timm(weights, 3, RandomVit.Features.PLAIN, LAYERS), weights,
                    new VitLoader.Overrides(RandomVit.HEADS, 1e-6f));
            assertEquals(LAYERS, vit.config().layers());
            NDArray pixels = RandomVit.pixels(caller, 4);
            NDArray dictionary = weights.randomNormal(new Shape(8, RandomVit.WIDTH));
            Supplier<Integer> live = () -> caller.getManagedArrays().size() + weights.getManagedArrays().size();
            int before = live.get();
            List<Integer> seen = new ArrayList<>();
            VitModel reduced = vit.withReduction(Site.VISION_BLOCKS,
                    TowerReduction.of(new Counting(method, live, seen).withModelValues(
                            new ModelValues(null, () -> dictionary))));
            VitModel.Classification out = reduced.classify(pixels);

            assertEquals(LAYERS, seen.size(), method.name() + ": one site per block");
            int first = seen.get(1);
            for (int l = 1; l < LAYERS; l++) {
                assertTrue(Math.abs(seen.get(l) - first) <= 2, method.name() + ": live arrays at block " + l + " = "
                        + seen.get(l) + " vs " + first + " at block 1; they grow with depth: " + seen);
            }
            int after = live.get(); // what remains: the outputs (logits, features)
            assertTrue(after - before <= 2, "after the forward " + (after - before) + " arrays remain beyond the "
                    + "inputs and weights (expected the outputs only); counts per block " + seen);
            out.logits().close();
            out.features().close();
        }
    }
}
