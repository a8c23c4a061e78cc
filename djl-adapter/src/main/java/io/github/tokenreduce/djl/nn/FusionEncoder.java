package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.AttentionBias;
import io.github.tokenreduce.core.CrossModalReducer;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.util.List;

/**
 * BLIP's text encoder: post-LN BERT layers whose cross-attention reads image tokens, with two
 * reduction sites per layer.
 * <ul>
 *   <li>TEXT, after self-attention and before cross-attention (MADTP, ToMe, CrossGET): text
 *       tokens are reduced and the padding mask follows the plan;
 *   <li>FUSION, after cross-attention (PuMer on a fusion encoder): a {@link CrossModalReducer}
 *       prunes and merges the image tokens the later layers read and merges the text tokens, whose
 *       mask becomes fractional.
 * </ul>
 * Cross-attention adds {@link AttentionBias} over image keys: the image mask, and log sizes when
 * the vision method asked for proportional attention (as CrossGET does).
 */
public final class FusionEncoder {

    private final List<BertLayerWeights> layers;
    private final Activation activation;
    private final boolean crossTokens;
    private final Matmuls matmuls;

    /** Layers whose text tower carries a cross token (last) for methods that use one (BLIP). */
    public FusionEncoder(List<BertLayerWeights> layers, Activation activation, Matmuls matmuls) {
        this(layers, activation, true, matmuls);
    }

    /**
     * @param crossTokens whether the text tokens carry a cross token (last) for a method that uses
     *     one; without it such a method takes its guide from the guide token alone (a sentence
     *     encoder's [CLS]), and the sequence is not lengthened
     */
    public FusionEncoder(List<BertLayerWeights> layers, Activation activation, boolean crossTokens,
            Matmuls matmuls) {
        this.layers = List.copyOf(layers);
        this.activation = activation;
        this.crossTokens = crossTokens;
        this.matmuls = matmuls;
    }

    /** The linear layers of {@code layers}, for {@link Matmuls#prepare}. */
    public static List<LinearWeights> linears(List<BertLayerWeights> layers) {
        return layers.stream().flatMap(l -> l.linears().stream()).toList();
    }

    public int layers() {
        return layers.size();
    }

    /** Final text and image token sets with their counts after each layer. */
    public record Output(TokenSet text, TokenSet image, int[] textPerLayer, int[] imagePerLayer) {}

    /**
     * @param text text tokens (key mask = attention mask, CLS protected)
     * @param image image tokens, or null for the unimodal (ITC) pass
     * @param imageProportional whether image sizes enter cross-attention as {@code log size}
     * @param textSite method at the TEXT site, or null
     * @param crossSite method at the FUSION site, or null
     */
    public Output forward(TokenSet text, TokenSet image, boolean imageProportional, TowerReduction textSite,
            TowerReduction crossSite) {
        return forward(text, image, imageProportional, textSite, crossSite, null);
    }

    /** As {@link #forward(TokenSet, TokenSet, boolean, TowerReduction, TowerReduction)}, showing {@code observer} the text tokens after each layer (null: none). */
    public Output forward(TokenSet text, TokenSet image, boolean imageProportional, TowerReduction textSite,
            TowerReduction crossSite, ReducingEncoder.BlockObserver observer) {
        TokenReducer tr = textSite == null ? null : textSite.reducer();
        CrossModalReducer cr = crossSite == null || image == null ? null : (CrossModalReducer) crossSite.reducer();
        int[] textCounts = new int[layers.size()];
        int[] imageCounts = new int[layers.size()];
        BlockScope scopes = new BlockScope(text, image);
        for (int l = 0; l < layers.size(); l++) {
            try (BlockScope.Block block = scopes.open(text, image)) {
                TokenSet[] next = layer(l, text, image, imageProportional, tr, textSite, cr);
                text = next[0];
                image = next[1];
                block.keep(text, image);
            }
            if (observer != null) {
                observer.afterBlock(l, text);
            }
            textCounts[l] = text.length();
            imageCounts[l] = image == null ? 0 : image.length();
        }
        scopes.handOver(text, image);
        return new Output(text, image, textCounts, imageCounts);
    }

    /** One layer; returns the text and image sets after it. */
    private TokenSet[] layer(int l, TokenSet text, TokenSet image, boolean imageProportional, TokenReducer tr,
            TowerReduction textSite, CrossModalReducer cr) {
        BertLayerWeights w = layers.get(l);
        NDArray x = text.hidden();
        if (crossTokens && tr != null && tr.usesCrossToken()) {
            x = ReducingEncoder.refreshCross(x, text, tr.crossTokenOffsets(), l, false);
            text = text.withHidden(x);
        }
        NDArray layerInput = x;
        boolean textActive = tr != null && tr.activeAt(l);
        boolean crossActive = cr != null && cr.activeAt(l) && w.hasCross();
        SelfAttention.Want want = ReducingEncoder.want(tr, textActive);
        if (crossActive && !want.meanKeys()) {
            want = new SelfAttention.Want(want.fullKeys(), true, want.probs(), want.summaryRow(), want.headNorms());
        }
        NDArray bias = AttentionBias.forLogits(text, tr != null && tr.proportionalAttention());
        SelfAttention.Result att = SelfAttention.forward(matmuls, x, w.self(), bias, want);
        x = Ops.layerNorm(x.add(att.output()), w.selfLn());
        text = text.withHidden(x);
        NDArray textKeys = att.meanKeys();
        if (textActive) {
            SiteInputs.Builder in = ReducingEncoder.baseInputs(att, tr, textSite, layerInput);
            if (att.queries() != null) {
                in.guide(ReducingEncoder.guide(text, att, tr, textSite, w.self(), v -> v, l));
            }
            NDArray sizesBefore = text.sizes();
            Reduction red = tr.reduce(text, in.build(), l);
            text = red.tokens();
            textKeys = textKeys == null ? null : red.plan().weightedMean(textKeys, sizesBefore);
            x = text.hidden();
        }
        if (image != null && w.hasCross()) {
            NDArray keyBias = AttentionBias.forLogits(image, imageProportional);
            CrossAttention.Result ca = CrossAttention.forward(matmuls, x, image.hidden(), w, w.self().heads(), keyBias,
                    crossActive);
            x = Ops.layerNorm(x.add(ca.output()), w.crossLn());
            text = text.withHidden(x);
            if (crossActive) {
                image = cr.reduceImage(image, ca.probs(), text.keyMask(), ca.meanKeys()).tokens();
                text = cr.reduceText(text, textKeys).tokens();
                x = text.hidden();
            }
        }
        x = Ops.layerNorm(x.add(matmuls.feedForward(x, w.interT(), w.interB(), activation, w.outT(), w.outB())),
                w.outLn());
        return new TokenSet[] {text.withHidden(x), image};
    }
}
