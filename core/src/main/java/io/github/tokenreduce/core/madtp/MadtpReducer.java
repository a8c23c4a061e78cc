package io.github.tokenreduce.core.madtp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.tokenreduce.core.AttentionSummary;
import io.github.tokenreduce.core.MergePlan;
import io.github.tokenreduce.core.ModelValues;
import io.github.tokenreduce.core.OrderPolicy;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.RemovalCount;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TieBreak;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.util.Checks;
import io.github.tokenreduce.core.util.MatchMasks;
import io.github.tokenreduce.core.StableOrder;
import io.github.tokenreduce.core.util.Tensors;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * MADTP (Cao et al., CVPR 2024; docs/operators.md): multimodal-alignment-guided dynamic token pruning. Candidates are the
 * real, unprotected tokens. Each sample keeps its protected tokens, its top-{@code K_b} candidates
 * by {@link TokenImportanceScore}, and one fused token {@code Σ TIS_j x_j / (Σ TIS_j + 1e-8)} of
 * the rest (the authors' weights); padding tokens are dropped. {@code K_b} comes from the
 * {@link DynamicThreshold} with temperature T (a dynamic schedule) or from a fixed schedule
 * ({@code K_b = n_b - r_b - 1}, with {@code r_b} from the sample's own real tokens under
 * {@link KeepCount#PER_SAMPLE}, from the padded length under {@link KeepCount#BATCH_MAX}). A sample
 * is left whole when {@code K_b < 1} or {@code n_b - K_b <= 1} (the authors' skip rule).
 *
 * <p>The dictionary scores {@code G = X·Dᵀ} come from the block input
 * ({@link SiteInputs#blockInput()}, before attention), as in the authors' ViT and text encoder,
 * not from the post-attention states being pruned; without a block input they fall back to the
 * latter. Output [B, N_out, C]: with {@link KeepCount#PER_SAMPLE} (default)
 * {@code N_out = max_b (#protected + K_b + fused_b)}, samples keep their own counts, padded with a
 * key mask of 0; with {@link KeepCount#BATCH_MAX} every sample keeps the batch's largest K, as the
 * reference code does. The true counts are {@link MergePlan#counts()}. With a keep cap
 * ({@link Builder#keepCap}) the learned threshold's counts stay in the tensors and the output has
 * a fixed width (see there), so the step traces into a graph. Needs attention
 * [B, H, N, N] and its alignment dictionary [M, C], a value of the method ({@link Builder#dictionary},
 * or the model's through {@link #withModelValues}); head-output norms are optional.
 */
public final class MadtpReducer implements TokenReducer {

    private final Schedule schedule;
    private final float temperature;
    private final int clsIndex;
    private final OrderPolicy order;
    private final TieBreak tie;
    private final KeepCount keepCount;
    /** The most candidates a sample keeps, fixing the output width; 0 for none (counts on the host). */
    private final int keepCap;
    /** The alignment dictionary [M, C], or null until given or filled in by a model. */
    private final NDArray dictionary;

    private MadtpReducer(Builder b) {
        this.schedule = b.schedule;
        this.temperature = b.temperature;
        this.clsIndex = b.clsIndex;
        this.order = b.order;
        this.tie = b.tie;
        this.keepCount = b.keepCount;
        this.keepCap = b.keepCap;
        this.dictionary = b.dictionary;
    }

    private MadtpReducer(MadtpReducer o, NDArray dictionary) {
        this.schedule = o.schedule;
        this.temperature = o.temperature;
        this.clsIndex = o.clsIndex;
        this.order = o.order;
        this.tie = o.tie;
        this.keepCount = o.keepCount;
        this.keepCap = o.keepCap;
        this.dictionary = dictionary;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Reduction reduce(TokenSet tokens, SiteInputs inputs, int layer) {
        int fixedR = schedule.removals(layer, tokens.length());
        int[] perSampleR = null;
        if (!schedule.isDynamic() && keepCount == KeepCount.PER_SAMPLE && schedule.activeAt(layer)) {
            perSampleR = RemovalCount.perSample(schedule, layer, tokens); // each sample's r from its own tokens
            fixedR = java.util.Arrays.stream(perSampleR).max().orElse(0);
        }
        if (!schedule.activeAt(layer) || (!schedule.isDynamic() && fixedR <= 0)
                || (schedule.isDynamic() && temperature == 0f)) {
            return Reduction.unchanged(tokens);
        }
        long b = tokens.batch();
        long n = tokens.length();
        if (clsIndex >= n) {
            throw new IllegalArgumentException("clsIndex: " + clsIndex + " out of range for N = " + n);
        }
        AttentionSummary attention = inputs.attentionSummary();
        if (attention == null) {
            NDArray full = Checks.present("attention", inputs.attention(), "[B, H, N, N] (or an attention summary)");
            Checks.shape("attention", full, new long[] {b, -1, n, n}, "[B, H, N, N]");
            attention = AttentionSummary.of(full, clsIndex);
        }
        if (dictionary == null) {
            throw new IllegalArgumentException("dictionary: MADTP has no alignment dictionary; expected [M, C]: give "
                    + "it with MadtpReducer.builder().dictionary(d), or attach the method to a model, which fills in "
                    + "its own (TokenReducer.withModelValues)");
        }
        TokenImportanceScore.check(attention, clsIndex, inputs.headOutputNorms(), b, n);
        Checks.shape("dictionary", dictionary, new long[] {-1, tokens.width()}, "[M, C]");
        Checks.finite("dictionary", dictionary);

        NDArray prot = tokens.protectedMask().gt(0f);
        NDArray cand = tokens.keyMask().gt(0f).logicalAnd(prot.logicalNot());
        NDArray candF = cand.toType(DataType.FLOAT32, false);
        NDArray scored = tokens.hidden();
        if (inputs.blockInput() != null) {
            scored = inputs.blockInput();
            Checks.shape("blockInput", scored, new long[] {b, n, tokens.width()}, "[B, N, C] like the tokens");
        }
        NDArray g = scored.matMul(dictionary.transpose().toType(scored.getDataType(), false));
        NDArray tis = TokenImportanceScore.compute(attention, inputs.headOutputNorms(), g, candF);

        if (keepCap > 0) {
            return capped(tokens, prot, cand, candF, tis, g);
        }
        int[] candCount = MatchMasks.countPositive(candF);
        int[] keep = schedule.isDynamic()
                ? DynamicThreshold.keepCounts(tis,
                        DynamicThreshold.threshold(g, tis, candF, temperature), candF)
                : fixedKeep(candCount, perSampleR != null ? perSampleR : uniform(candCount.length, fixedR));
        if (keepCount == KeepCount.BATCH_MAX) {
            int k = java.util.Arrays.stream(keep).max().orElse(0);
            int most = java.util.Arrays.stream(candCount).max().orElse(0);
            if (k < 1 || most - k <= 1) {
                return Reduction.unchanged(tokens);
            }
            java.util.Arrays.setAll(keep, s -> Math.min(k, candCount[s]));
        }
        int[] fused = new int[keep.length];
        int[] protCount = MatchMasks.countPositive(prot.toType(DataType.FLOAT32, false));
        int[] counts = new int[keep.length];
        int maxSources = 0;
        for (int s = 0; s < keep.length; s++) {
            if (keep[s] < 1 || candCount[s] - keep[s] <= 1) {
                keep[s] = candCount[s];
            } else {
                fused[s] = 1;
                maxSources = Math.max(maxSources, candCount[s] - keep[s] - 1);
            }
            counts[s] = protCount[s] + keep[s] + fused[s];
        }
        NDArray rank = StableOrder.descendingRanks(Tensors.where(cand, tis, Tensors.NEG), tie);
        NDArray k = column(keep, tis);
        NDArray rest = cand.logicalAnd(rank.gte(k));
        NDArray[] assignment = assignment(prot, cand, rank, k, rest);
        return fuse(tokens, tis, rest, MergePlan.fromAssignment(assignment[0], assignment[1], counts, maxSources, -1, -1));
    }

    /**
     * The step with a keep cap: {@code K_b} from the threshold, the batch rule and the skip rule as
     * above, all as int64 tensors; each sample then keeps {@code min(K, cap)} candidates and fuses the
     * rest (when any is left). Output width {@code min(#protected + cap + 1, N)}, slots past a
     * sample's count padding. Equals the uncapped step whenever no sample's count exceeds the cap.
     */
    private Reduction capped(TokenSet tokens, NDArray prot, NDArray cand, NDArray candF, NDArray tis, NDArray g) {
        long b = tokens.batch();
        int n = (int) tokens.length();
        NDArray kb = DynamicThreshold.keepCountArray(tis, DynamicThreshold.threshold(g, tis, candF, temperature), candF);
        NDArray candN = cand.sum(new int[] {1}); // booleans sum as int64 [B]
        NDArray keep;
        if (keepCount == KeepCount.BATCH_MAX) {
            NDArray k = kb.max(new int[] {0}, true); // [1]
            NDArray skip = k.lt(1L).logicalOr(candN.max(new int[] {0}, true).sub(k).lte(1L));
            keep = Tensors.select(skip, candN, k.minimum(candN));
        } else {
            keep = Tensors.select(kb.lt(1L).logicalOr(candN.sub(kb).lte(1L)), candN, kb);
        }
        keep = keep.minimum(keepCap);
        NDArray fused = candN.gt(keep).toType(DataType.INT64, false);
        NDArray counts = prot.sum(new int[] {1}).add(keep).add(fused);
        int maxProt = Arrays.stream(MatchMasks.countPositive(prot.toType(DataType.FLOAT32, false))).max().orElse(0);
        int width = Math.min(maxProt + keepCap + 1, n);
        int maxSources = n - 1; // a bound that reads nothing: the counts behind the input's slots are the data's
        NDArray rank = StableOrder.descendingRanks(Tensors.where(cand, tis, Tensors.NEG), tie);
        NDArray k = keep.reshape(b, 1);
        NDArray rest = cand.logicalAnd(rank.gte(k));
        NDArray[] assignment = assignment(prot, cand, rank, k, rest);
        return fuse(tokens, tis, rest, MergePlan.fromAssignment(assignment[0], assignment[1], counts, width, maxSources));
    }

    /** Kept tokens as they are; the fused one {@code Σ TIS_j x_j / (Σ_rest TIS + 1e-8)}. */
    private static Reduction fuse(TokenSet tokens, NDArray tis, NDArray rest, MergePlan plan) {
        NDArray restTis = Tensors.select(rest, tis, tis.zerosLike());
        NDArray fusedWeight = restTis.div(restTis.sum(new int[] {1}, true).add(TokenImportanceScore.EPS));
        NDArray w = Tensors.select(rest, fusedWeight, tis.onesLike());
        NDArray hidden = plan.combine(tokens.hidden(), plan.gather(w), w);
        return new Reduction(tokens.apply(plan, hidden, null), plan);
    }

    /** Slots and anchors: protected first, then kept candidates, then the fused token; padding dropped. */
    private NDArray[] assignment(NDArray prot, NDArray cand, NDArray rank, NDArray k, NDArray rest) {
        // boolean running sums and counts come out as int64
        NDArray protSlot = prot.cumSum(1).sub(1L);
        NDArray p = prot.sum(new int[] {1}, true);
        NDArray kept = cand.logicalAnd(rank.lt(k));
        NDArray keptPos = order == OrderPolicy.SCORE ? rank : kept.cumSum(1).sub(1L);
        NDArray slots = Tensors.select(prot, protSlot,
                Tensors.select(kept, keptPos.add(p),
                        Tensors.select(rest, k.add(p).broadcast(rank.getShape()),
                                rank.zerosLike().sub(1L))));
        NDArray anchors = prot.logicalOr(kept).logicalOr(rest.logicalAnd(rank.eq(k)));
        return new NDArray[] {slots, anchors};
    }

    private static int[] fixedKeep(int[] candCount, int[] r) {
        int[] keep = new int[candCount.length];
        for (int s = 0; s < keep.length; s++) {
            keep[s] = Math.max(candCount[s] - Math.min(r[s], candCount[s]) - 1, 0);
        }
        return keep;
    }

    private static int[] uniform(int n, int r) {
        int[] out = new int[n];
        java.util.Arrays.fill(out, r);
        return out;
    }

    private static NDArray column(int[] values, NDArray like) {
        return like.getManager().create(values).toType(DataType.INT64, false)
                .toDevice(like.getDevice(), false).reshape(values.length, 1);
    }

    @Override
    public Set<SiteInput> requires() {
        return EnumSet.of(SiteInput.ATTENTION_SUMMARY, SiteInput.HEAD_OUTPUT_NORMS, SiteInput.BLOCK_INPUT);
    }

    @Override
    public int attentionSummaryRow() {
        return clsIndex;
    }

    @Override
    public boolean proportionalAttention() {
        return false;
    }

    @Override
    public boolean activeAt(int layer) {
        return schedule.activeAt(layer) && (!schedule.isDynamic() || temperature > 0f);
    }

    @Override
    public String name() {
        return "madtp";
    }

    public float temperature() {
        return temperature;
    }

    /** The alignment dictionary [M, C] this method was given or filled in, or null. */
    @Override
    public NDArray dictionary() {
        return dictionary;
    }

    /** This method with the model's dictionary when it was given none. */
    @Override
    public MadtpReducer withModelValues(ModelValues values) {
        return dictionary != null || values.dictionary() == null ? this : new MadtpReducer(this, values.dictionary().get());
    }

    @Override
    public String toString() {
        return "MADTP(" + schedule + ", T=" + temperature + ", order=" + order + ", " + keepCount
                + (keepCap > 0 ? ", cap=" + keepCap : "") + ")";
    }

    /** Builder: schedule (default dynamic at every layer), temperature T (default 1; 0 disables). */
    public static final class Builder {
        private Schedule schedule = Schedule.dynamic();
        private float temperature = 1f;
        private int clsIndex = 0;
        private OrderPolicy order = OrderPolicy.ORIGINAL;
        private TieBreak tie = TieBreak.INDEX;
        private KeepCount keepCount = KeepCount.PER_SAMPLE;
        private int keepCap;
        private NDArray dictionary;

        /** Per-sample keep counts (default) or the authors' batch-wide maximum. */
        public Builder keepCount(KeepCount k) {
            keepCount = Checks.notNull("keepCount", k);
            return this;
        }

        public Builder schedule(Schedule s) {
            schedule = Checks.notNull("schedule", s);
            return this;
        }

        /** The learned temperature (stored in MADTP checkpoints); T = 0 switches pruning off. */
        public Builder temperature(float t) {
            if (!(t >= 0f) || Float.isInfinite(t)) {
                throw new IllegalArgumentException("temperature: must be finite and >= 0 but was " + t);
            }
            temperature = t;
            return this;
        }

        /** The query row whose attention gives {@code a_cls} (default 0). */
        public Builder clsIndex(int i) {
            clsIndex = Checks.nonNegative("clsIndex", i);
            return this;
        }

        public Builder order(OrderPolicy o) {
            order = Checks.notNull("order", o);
            return this;
        }

        public Builder tieBreak(TieBreak t) {
            tie = Checks.notNull("tieBreak", t);
            return this;
        }

        /** MADTP's learned alignment dictionary [M, C] (default none: the model's, once attached to one). */
        public Builder dictionary(NDArray d) {
            Checks.rank("dictionary", d, 2, "[M, C]");
            dictionary = d;
            return this;
        }

        /**
         * Caps the candidates a sample keeps at {@code cap} (default 0: no cap) and fixes the step's output
         * width at {@code min(#protected + cap + 1, N)}: the learned threshold's counts then stay in the
         * tensors (a slot past a sample's count has key mask 0), so the step traces into an ONNX graph
         * whose counts follow the data. The result equals the uncapped step whenever no sample keeps
         * more than {@code cap}; past it the sample keeps its {@code cap} best and fuses the rest.
         * For the learned threshold ({@link Schedule#dynamic()}) only.
         */
        public Builder keepCap(int cap) {
            if (cap < 1) {
                throw new IllegalArgumentException("keepCap: must be >= 1 but was " + cap);
            }
            keepCap = cap;
            return this;
        }

        public MadtpReducer build() {
            if (keepCap > 0 && !schedule.isDynamic()) {
                throw new IllegalArgumentException("keepCap: caps the learned threshold's counts, but the schedule "
                        + schedule + " fixes them; use Schedule.dynamic() or drop the cap");
            }
            return new MadtpReducer(this);
        }
    }
}
