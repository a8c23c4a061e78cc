package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.cli.data.StsDatasets;
import io.github.tokenreduce.cli.data.StsPair;
import io.github.tokenreduce.cli.eval.Metrics;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A reduced pretrained encoder keeps most of its accuracy on real data: all-MiniLM-L6-v2 with
 * CrossGET removing about 10 % of the tokens in every layer, on 400 STS-B dev pairs, stays within
 * 0.04 of the unreduced Spearman. The bound discriminates: the same schedule merging random pairs
 * (a broken matcher) falls below it.
 */
class ReducedSentenceAccuracyTest {

    @Test
    void crossGetKeepsTheSpearmanAndARandomMergeDoesNot() throws Exception {
        List<StsPair> pairs = StsDatasets.stsb(Fixtures.shared().resolve("data/stsb/stsb-en-dev.csv")).subList(0, 400);
        Schedule schedule = Schedule.keepRatio(0.9, 8);
        try (SentenceEncoder plain = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu())) {
            double unreduced = spearman(plain, pairs);
            double crossget = spearman(plain.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(
                    CrossGetReducer.builder().schedule(schedule).proportionalAttention(false).build())), pairs);
            double random = spearman(plain.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(new RandomPairs(
                    CrossGetReducer.builder().schedule(schedule).proportionalAttention(false).build()))), pairs);
            assertTrue(unreduced > 0.85, "unreduced all-MiniLM-L6-v2 on STS-B dev: " + unreduced);
            assertTrue(crossget >= unreduced - 0.04, "CrossGET " + crossget + " vs unreduced " + unreduced);
            assertTrue(random < unreduced - 0.04, "random merging " + random + " must fall below the bound");
        }
    }

    private static double spearman(SentenceEncoder e, List<StsPair> pairs) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (StsPair p : pairs) {
            index.putIfAbsent(p.a(), index.size());
            index.putIfAbsent(p.b(), index.size());
        }
        float[][] v = e.embed(new ArrayList<>(index.keySet()));
        double[] cos = new double[pairs.size()];
        double[] gold = new double[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            float[] a = v[index.get(pairs.get(i).a())];
            float[] b = v[index.get(pairs.get(i).b())];
            for (int j = 0; j < a.length; j++) {
                cos[i] += a[j] * b[j];
            }
            gold[i] = pairs.get(i).score();
        }
        return Metrics.spearman(cos, gold);
    }

    /**
     * A broken matcher: the method sees random keys, so it merges tokens that are not alike. The keys
     * are drawn from a generator seeded by the layer, so every run merges the same way.
     */
    private record RandomPairs(TokenReducer inner) implements TokenReducer {
        @Override
        public Reduction reduce(TokenSet tokens, SiteInputs in, int layer) {
            Random rnd = new Random(20261202L + layer);
            float[] keys = new float[Math.toIntExact(in.metric().getShape().size())];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = (float) rnd.nextGaussian();
            }
            NDArray noise = in.metric().getManager().create(keys, in.metric().getShape());
            return inner.reduce(tokens, SiteInputs.builder().metric(noise).guide(in.guide()).build(), layer);
        }

        @Override
        public Set<SiteInput> requires() {
            return inner.requires();
        }

        @Override
        public boolean proportionalAttention() {
            return false;
        }

        @Override
        public boolean activeAt(int layer) {
            return inner.activeAt(layer);
        }

        @Override
        public String name() {
            return "random-" + inner.name();
        }

        @Override
        public io.github.tokenreduce.core.KeyMetric keyMetric() {
            return inner.keyMetric();
        }
    }
}
