package io.github.tokenreduce.core.pumer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.github.tokenreduce.core.CrossModalReducer;
import io.github.tokenreduce.core.MergePlan;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TieBreak;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.tome.BipartiteMatcher;
import io.github.tokenreduce.core.util.Checks;
import io.github.tokenreduce.core.util.MatchMasks;
import io.github.tokenreduce.core.StableOrder;
import io.github.tokenreduce.core.util.Tensors;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * PuMer (Cao et al., ACL 2023; docs/operators.md): text-informed pruning of image tokens plus modality-aware merging.
 *
 * <ol>
 *   <li>image: keep the {@code max(Li - round(p·Li), 1)} tokens with the highest
 *       {@link TextInformedPruning} score, in score order (protected tokens always kept first);
 *   <li>image: ToMe bipartite matching on the kept tokens' keys removes
 *       {@code round(m·Li)} more (pre-prune length), protecting the top-scored token; unweighted mean;
 *   <li>text: ToMe bipartite matching on text keys removes {@code round(t·Lt)}, text CLS
 *       protected; padding may merge with real text, so the key mask becomes fractional;
 *   <li>output {@code [text', image']}; the image mask is all ones.
 * </ol>
 * Sizes are reset to 1 before each merge, as PuMer does not carry them; no proportional attention.
 * Rounding is Python's (half to even).
 *
 * <p>Two behaviours of the authors' code are arguable and off by default, on under
 * {@link Builder#asAuthors()} (or one by one): padding text rows vote in the image score
 * ({@link TextVotes#ALL_ROWS}), and protected image tokens (the image [CLS]) may be pruned, the
 * top-scored kept token being protected in the merge instead ({@link Builder#imageClsPrunable}), and
 * kept image padding merges with real image tokens ({@link Builder#imagePaddingMerges}).
 * Under {@code asAuthors()} a layer whose prune count rounds to 0 is also left whole, as in the
 * authors' {@code Block.forward}. {@link ImageMerge#TIP} sums image groups (the authors' "tip"), and
 * {@link PruneScore#FIRST_HEAD} scores image tokens by the first attention head alone (the authors'
 * {@code sim_method="fh"}); both are independent of {@code asAuthors()}, which keeps the mean-head
 * score and ToMe merge of the released ViLT runs. Use {@link #reduce} on a single-stream set with
 * {@link ModalitySpans}, or {@link #reduceImage}/{@link #reduceText} on separate sets (BLIP/METER
 * cross-attention).
 */
public final class PumerReducer implements CrossModalReducer {

    private final Schedule schedule;
    private final double pruneRatio;
    private final double mergeRatio;
    private final double textMergeRatio;
    private final TieBreak tie;
    private final TextVotes votes;
    private final boolean imageClsPrunable;
    private final ImageMerge imageMerge;
    private final boolean skipWithoutPruning;
    private final boolean imagePaddingMerges;
    private final PruneScore pruneScore;

    private PumerReducer(Builder b) {
        this.schedule = b.schedule;
        this.pruneRatio = b.pruneRatio;
        this.mergeRatio = b.mergeRatio;
        this.textMergeRatio = b.textMergeRatio;
        this.tie = b.tie;
        this.votes = b.votes;
        this.imageClsPrunable = b.imageClsPrunable;
        this.imageMerge = b.imageMerge;
        this.skipWithoutPruning = b.skipWithoutPruning;
        this.imagePaddingMerges = b.imagePaddingMerges;
        this.pruneScore = b.score;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Reduction reduce(TokenSet tokens, SiteInputs inputs, int layer) {
        if (!schedule.activeAt(layer)) {
            return Reduction.unchanged(tokens);
        }
        ModalitySpans spans = tokens.spans();
        if (spans == null || spans.textStart() != 0 || spans.imageStart() != spans.textLength()
                || spans.end() != tokens.length()) {
            throw new IllegalArgumentException("spans: PuMer needs [text, image] back to back covering"
                    + " all N = " + tokens.length() + " tokens, got " + spans);
        }
        NDArray metric = Checks.present("metric", inputs.metric(), "[B, N, c]");
        Checks.shape("metric", metric, new long[] {tokens.batch(), tokens.length(), -1}, "[B, N, c]");
        int lt = spans.textLength();
        if (skipWithoutPruning && Math.rint(pruneRatio * spans.imageLength()) == 0) {
            return Reduction.unchanged(tokens);
        }
        TokenSet text = tokens.slice(0, lt);
        TokenSet image = tokens.slice(lt, tokens.length());
        NDArray textKeys = metric.get(":, :" + lt + ", :");
        NDArray imageKeys = metric.get(":, " + lt + ":, :");
        NDArray t2i = Checks.present("crossAttention", inputs.crossAttention(), "[B, H, Lt, Li]");
        Reduction img = reduceImage(image, t2i, text.keyMask(), imageKeys);
        Reduction txt = reduceText(text, textKeys);
        MergePlan plan = MergePlan.concat(txt.plan(), img.plan());
        NDArray hidden = NDArrays.concat(new NDList(txt.tokens().hidden(), img.tokens().hidden()), 1);
        ModalitySpans out = ModalitySpans.textThenImage(txt.tokens().length(), img.tokens().length());
        TokenSet.Builder merged = unitSizes(tokens).apply(plan, hidden, out).toBuilder();
        // the text mask as merged, the image mask all ones (surviving image padding is unmasked)
        merged.keyMaskUnchecked(NDArrays.concat(new NDList(txt.tokens().keyMask(), img.tokens().keyMask()), 1));
        return new Reduction(merged.build(), plan);
    }

    /**
     * Steps 1–2 on image tokens alone.
     *
     * @param image image tokens [B, Li, C]
     * @param textToImage [B, H, Lt, Li] (or [B, Lt, Li]) attention from text queries to image keys
     * @param textMask [B, Lt] text key mask (fractional allowed)
     * @param imageKeys [B, Li, c] head-averaged image keys
     */
    @Override
    public Reduction reduceImage(TokenSet image, NDArray textToImage, NDArray textMask,
            NDArray imageKeys) {
        int li = image.length();
        Checks.shape("imageKeys", imageKeys, new long[] {image.batch(), li, -1}, "[B, Li, c]");
        NDArray score = TextInformedPruning.scores(textToImage, textMask, votes, pruneScore);
        Checks.shape("crossAttention", score, new long[] {image.batch(), li},
                "[B, H, Lt, Li] with Li = " + li);
        NDArray protMask = imageClsPrunable ? image.protectedMask().zerosLike() : image.protectedMask();
        NDArray prot = protMask.gt(0f);
        int keep = Math.max(li - (int) Math.rint(pruneRatio * li), 1);
        keep = Math.max(keep, Arrays.stream(MatchMasks.countPositive(protMask)).max().orElse(0));
        // protected tokens rank first; the rest by score (stable, ties by index)
        NDArray ranked = Tensors.select(prot, score.zerosLike().add(Float.MAX_VALUE), score);
        NDArray kept = StableOrder.orderOf(StableOrder.descendingRanks(ranked, tie))
                .get(":, :" + keep); // [B, keep] in score order
        NDArray keptProt = protMask.gather(kept, 1);
        keptProt = keptProt.maximum(Tensors.arange(keptProt, keep).eq(0L)
                .toType(keptProt.getDataType(), false).expandDims(0));
        int r = Math.min((int) Math.rint(mergeRatio * li), keep);
        MergePlan local = BipartiteMatcher.match(Tensors.gatherTokens(imageKeys, kept), keptProt,
                imagePaddingMerges ? null : image.keyMask().gather(kept, 1), r, tie);
        MergePlan plan = local.remap(kept, li);
        NDArray hidden = imageMerge == ImageMerge.TIP ? plan.sum(image.hidden())
                : plan.weightedMean(image.hidden(), image.sizes().onesLike());
        TokenSet out = unitSizes(image).apply(plan, hidden, null);
        TokenSet.Builder b = out.toBuilder();
        b.keyMaskUnchecked(out.keyMask().onesLike()); // all ones: nothing to check, no host sync
        return new Reduction(b.build(), plan);
    }

    /**
     * Step 3 on text tokens alone: bipartite merging of {@code round(t·Lt)} tokens on the text keys
     * [B, Lt, c], index 0 (text CLS) protected; the key mask becomes a fractional mean.
     */
    @Override
    public Reduction reduceText(TokenSet text, NDArray textKeys) {
        int lt = text.length();
        Checks.shape("textKeys", textKeys, new long[] {text.batch(), lt, -1}, "[B, Lt, c]");
        int r = (int) Math.rint(textMergeRatio * lt);
        if (r <= 0) {
            return Reduction.unchanged(text);
        }
        NDArray prot = text.protectedMask().maximum(Tensors.arange(textKeys, lt).eq(0L)
                .toType(text.protectedMask().getDataType(), false).expandDims(0));
        MergePlan plan = BipartiteMatcher.match(textKeys, prot, null, Math.min(r, lt), tie);
        NDArray hidden = plan.weightedMean(text.hidden(), text.sizes().onesLike());
        return new Reduction(unitSizes(text).apply(plan, hidden, null), plan);
    }

    private static TokenSet unitSizes(TokenSet t) {
        return t.toBuilder().sizes(t.sizes().onesLike()).build();
    }

    @Override
    public Set<SiteInput> requires() {
        return EnumSet.of(SiteInput.METRIC, SiteInput.CROSS_ATTENTION);
    }

    @Override
    public boolean proportionalAttention() {
        return false;
    }

    @Override
    public boolean activeAt(int layer) {
        return schedule.activeAt(layer);
    }

    @Override
    public String name() {
        return "pumer";
    }

    @Override
    public String toString() {
        return "PuMer(prune=" + pruneRatio + ", merge=" + mergeRatio + ", text=" + textMergeRatio
                + ", " + imageMerge + ", " + pruneScore + ", votes=" + votes + (imageClsPrunable ? ", CLS prunable" : "") + ", "
                + schedule + ")";
    }

    /**
     * Builder. Defaults are the released ViLT settings: prune 0.1, merge 0.3, text 0.2, at
     * layers 2, 5 and 8.
     */
    public static final class Builder {
        private Schedule schedule = Schedule.dynamic(2, 5, 8);
        private double pruneRatio = 0.1;
        private double mergeRatio = 0.3;
        private double textMergeRatio = 0.2;
        private TieBreak tie = TieBreak.INDEX;
        private TextVotes votes = TextVotes.REAL_TEXT;
        private boolean imageClsPrunable;
        private ImageMerge imageMerge = ImageMerge.TOME;
        private boolean skipWithoutPruning;
        private boolean imagePaddingMerges;
        private PruneScore score = PruneScore.MEAN_HEAD;

        /**
         * Everything the authors' code does that the defaults do not: padding rows vote, the image
         * [CLS] may be pruned, kept image padding merges with real image tokens, and a layer whose
         * prune count rounds to 0 is left whole.
         */
        public Builder asAuthors() {
            votes = TextVotes.ALL_ROWS;
            imageClsPrunable = true;
            imagePaddingMerges = true;
            skipWithoutPruning = true;
            return this;
        }

        /**
         * Whether kept image padding tokens (a padded image's empty patches) merge with real image
         * tokens, as in the authors' code (default false: padding merges only with padding, first).
         */
        public Builder imagePaddingMerges(boolean on) {
            imagePaddingMerges = on;
            return this;
        }

        /** Which text rows vote in the image score (default {@link TextVotes#REAL_TEXT}). */
        public Builder textVotes(TextVotes v) {
            votes = Checks.notNull("textVotes", v);
            return this;
        }

        /**
         * Whether protected image tokens (the image [CLS]) compete with the others for being kept,
         * the top-scored kept token being protected in the merge instead (default false).
         */
        public Builder imageClsPrunable(boolean on) {
            imageClsPrunable = on;
            return this;
        }

        /** How kept image tokens merge (default {@link ImageMerge#TOME}). */
        public Builder imageMerge(ImageMerge m) {
            imageMerge = Checks.notNull("imageMerge", m);
            return this;
        }

        /**
         * Which heads the image score reads (default {@link PruneScore#MEAN_HEAD}, the released
         * ViLT runs; {@link PruneScore#FIRST_HEAD} is the authors' {@code sim_method="fh"} and needs
         * the per-head text-to-image attention).
         */
        public Builder pruneScore(PruneScore s) {
            score = Checks.notNull("pruneScore", s);
            return this;
        }

        /** Layers where the reducer runs: {@code Schedule.dynamic(layers...)}. */
        public Builder layers(int... layers) {
            schedule = Schedule.dynamic(layers);
            return this;
        }

        public Builder pruneRatio(double p) {
            pruneRatio = Checks.inRange("pruneRatio", p, 0, 1);
            return this;
        }

        public Builder mergeRatio(double m) {
            mergeRatio = Checks.inRange("mergeRatio", m, 0, 0.5);
            return this;
        }

        public Builder textMergeRatio(double t) {
            textMergeRatio = Checks.inRange("textMergeRatio", t, 0, 0.5);
            return this;
        }

        public Builder tieBreak(TieBreak t) {
            tie = Checks.notNull("tieBreak", t);
            return this;
        }

        public PumerReducer build() {
            return new PumerReducer(this);
        }
    }
}
