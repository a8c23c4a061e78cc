package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.github.tokenreduce.core.AttentionBias;
import io.github.tokenreduce.core.KeyMetric;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.site.GuideContext;
import io.github.tokenreduce.djl.site.GuideProvider;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A stack of pre-LN transformer blocks with a reduction site in each block, after the attention
 * residual and before the MLP: {@code x += Attn(LN1 x); x = reduce(x); x += MLP(LN2 x)}.
 *
 * <p>The token set carries two attachments the encoder maintains: {@code guide} (a one-hot [B, N]
 * marking the guide token: the cross token, CLS or end-of-text) and, optionally for causal towers,
 * {@code position} (each token's size-weighted mean original position; a key is visible to a query
 * whose position is not smaller, which is the plain causal mask before any merge). Without it a
 * causal tower uses the plain triangle over the current token order, as the CrossGET authors do.
 * LayerScale multiplies each residual branch when the block has it. Each block's intermediates are
 * freed before the next block runs. With a method
 * attached, later attention adds {@link AttentionBias} (log size when the method asks for
 * proportional attention, and the key mask). A method that uses a cross token finds it last; it is
 * refreshed before every block from itself (vision) or from the guide token (text), plus the
 * layer's learned offset (CrossGET).
 */
public final class ReducingEncoder {

    /** Attachment name of the guide one-hot. */
    public static final String GUIDE = "guide";
    /** Attachment name of the original positions (causal towers). */
    public static final String POSITION = "position";

    private final List<BlockWeights> blocks;
    private final Activation activation;
    private final KeyMasking masking;
    private final Matmuls matmuls;

    /** Blocks with no key mask until a method is attached ({@link KeyMasking#WHEN_REDUCED}), in float32. */
    public ReducingEncoder(List<BlockWeights> blocks, Activation activation) {
        this(blocks, activation, KeyMasking.WHEN_REDUCED, Matmuls.FP32);
    }

    /** Blocks whose linear layers run through {@code matmuls}. */
    public ReducingEncoder(List<BlockWeights> blocks, Activation activation, KeyMasking masking, Matmuls matmuls) {
        this.blocks = List.copyOf(blocks);
        this.activation = activation;
        this.masking = masking;
        this.matmuls = matmuls;
    }

    /** The linear layers of {@code blocks}, for {@link Matmuls#prepare}. */
    public static List<LinearWeights> linears(List<BlockWeights> blocks) {
        return blocks.stream().flatMap(b -> b.linears().stream()).toList();
    }

    /** Sees the token set after each block, inside that block's scope: copy what must outlive it. */
    @FunctionalInterface
    public interface BlockObserver {
        void afterBlock(int layer, TokenSet tokens);
    }

    public int layers() {
        return blocks.size();
    }

    /** The final token set and the token count after each block. */
    public record Output(TokenSet tokens, int[] tokensPerLayer) {}

    /**
     * Runs every block.
     *
     * @param reduction the attached method, or null
     * @param crossFromGuide whether the cross token is re-copied from the guide token each block
     */
    public Output forward(TokenSet tokens, TowerReduction reduction, boolean causal,
            boolean crossFromGuide) {
        return forward(tokens, reduction, causal, crossFromGuide, null);
    }

    /** As {@link #forward(TokenSet, TowerReduction, boolean, boolean)}, calling {@code observer} after each block. */
    public Output forward(TokenSet tokens, TowerReduction reduction, boolean causal,
            boolean crossFromGuide, BlockObserver observer) {
        TokenReducer reducer = reduction == null ? null : reduction.reducer();
        int[] counts = new int[blocks.size()];
        BlockScope scopes = new BlockScope(tokens);
        for (int l = 0; l < blocks.size(); l++) {
            try (BlockScope.Block block = scopes.open(tokens)) {
                tokens = block(tokens, l, reducer, reduction, causal, crossFromGuide);
                if (observer != null) {
                    observer.afterBlock(l, tokens);
                }
                block.keep(tokens);
            }
            counts[l] = tokens.length();
        }
        scopes.handOver(tokens);
        return new Output(tokens, counts);
    }

    private TokenSet block(TokenSet tokens, int l, TokenReducer reducer, TowerReduction reduction,
            boolean causal, boolean crossFromGuide) {
        BlockWeights w = blocks.get(l);
        NDArray x = tokens.hidden();
        if (reducer != null && reducer.usesCrossToken()) {
            x = refreshCross(x, tokens, reducer.crossTokenOffsets(), l, crossFromGuide);
        }
        NDArray blockInput = x;
        NDArray bias = bias(tokens, reducer, causal);
        boolean active = reducer != null && reducer.activeAt(l);
        NDArray softMask = masking == KeyMasking.PUMER_SOFTMAX ? tokens.keyMask() : null;
        SelfAttention.Result att = SelfAttention.forward(matmuls, Ops.layerNorm(x, w.ln1()), w.attention(), bias, softMask,
                want(reducer, active));
        x = x.add(scaled(att.output(), w.ls1()));
        tokens = tokens.withHidden(x);
        if (active) {
            tokens = reducer.reduce(tokens, inputs(tokens, att, reducer, reduction, w, l, blockInput), l).tokens();
            x = tokens.hidden();
        }
        x = x.add(scaled(matmuls.feedForward(Ops.layerNorm(x, w.ln2()), w.fc1T(), w.fc1B(), activation, w.fc2T(),
                w.fc2B()), w.ls2()));
        return tokens.withHidden(x);
    }

    private static NDArray scaled(NDArray x, NDArray layerScale) {
        return layerScale == null ? x : x.mul(layerScale);
    }

    /** {@code tokens} without its last token (the cross token), every field sliced alike. */
    public static TokenSet dropLast(TokenSet tokens) {
        return tokens.slice(0, tokens.length() - 1);
    }

    static NDArray refreshCross(NDArray x, TokenSet tokens, NDArray offsets, int layer,
            boolean fromGuide) {
        long n = x.getShape().get(1);
        NDArray base = fromGuide ? tokens.select(GUIDE, x).expandDims(1) : x.get(":, " + (n - 1) + ":, :");
        if (offsets != null) {
            base = base.add(offsets.get(layer).reshape(1, 1, -1));
        } else if (!fromGuide) {
            return x;
        }
        return NDArrays.concat(new NDList(x.get(":, :" + (n - 1) + ", :"), base), 1);
    }

    private NDArray bias(TokenSet tokens, TokenReducer reducer, boolean causal) {
        NDArray bias = null;
        if (causal) {
            // by mean original position when tracked, else the plain triangle over the current order
            NDArray pos = tokens.attachments().get(POSITION);
            if (pos == null) {
                pos = Tensors.arange(tokens.hidden(), tokens.length()).toType(DataType.FLOAT32, false)
                        .expandDims(0);
            }
            NDArray visible = pos.expandDims(1).lte(pos.expandDims(2)); // [B, N, N]: pos_j <= pos_i
            bias = Tensors.where(visible, visible.zerosLike().toType(pos.getDataType(), false),
                    Tensors.NEG).expandDims(1);
        }
        boolean proportional = reducer != null && reducer.proportionalAttention();
        NDArray keys = null;
        if (masking == KeyMasking.PUMER_SOFTMAX) {
            keys = proportional ? tokens.sizes().log().expandDims(1).expandDims(1) : null; // the mask is in the softmax
        } else if (masking == KeyMasking.ALWAYS || reducer != null) {
            keys = AttentionBias.forLogits(tokens, proportional);
        }
        if (keys != null) {
            bias = bias == null ? keys : bias.add(keys);
        }
        return bias;
    }

    /**
     * What every site supplies: the metric, attention, head-output norms, the dictionary and, when
     * the method asks for it, the block input (the hidden states before attention).
     */
    static SiteInputs.Builder baseInputs(SelfAttention.Result att, TokenReducer reducer, TowerReduction reduction,
            NDArray blockInput) {
        return SiteInputs.builder()
                .metric(reducer.keyMetric() == KeyMetric.FULL_WIDTH ? att.keys() : att.meanKeys())
                .attention(att.probs())
                .attentionSummary(att.summary())
                .headOutputNorms(att.headNorms())
                .blockInput(reducer.requires().contains(SiteInput.BLOCK_INPUT) ? blockInput : null);
    }

    /** What self-attention must keep for {@code reducer} at an active site. */
    static SelfAttention.Want want(TokenReducer reducer, boolean active) {
        Set<SiteInput> need = active ? reducer.requires() : Set.of();
        boolean full = active && (reducer.keyMetric() == KeyMetric.FULL_WIDTH || need.contains(SiteInput.GUIDE));
        return new SelfAttention.Want(full,
                active && reducer.keyMetric() == KeyMetric.HEAD_MEAN && need.contains(SiteInput.METRIC),
                need.contains(SiteInput.ATTENTION) || need.contains(SiteInput.CROSS_ATTENTION),
                need.contains(SiteInput.ATTENTION_SUMMARY) ? reducer.attentionSummaryRow() : -1,
                need.contains(SiteInput.HEAD_OUTPUT_NORMS));
    }

    private static SiteInputs inputs(TokenSet tokens, SelfAttention.Result att, TokenReducer reducer,
            TowerReduction reduction, BlockWeights w, int layer, NDArray blockInput) {
        SiteInputs.Builder in = baseInputs(att, reducer, reduction, blockInput);
        ModalitySpans spans = tokens.spans();
        if (reducer.requires().contains(SiteInput.CROSS_ATTENTION) && spans != null) {
            // single-stream [text, image]: the text-to-image block of the self-attention
            in.crossAttention(att.probs().get(":, :, " + spans.textStart() + ":" + (spans.textStart()
                    + spans.textLength()) + ", " + spans.imageStart() + ":" + (spans.imageStart() + spans.imageLength())));
        }
        if (att.queries() != null) {
            in.guide(guide(tokens, att, reducer, reduction, w.attention(), v -> Ops.layerNorm(v, w.ln1()), layer));
        }
        return in.build();
    }

    /**
     * The guide query at a site: the reduction's provider (default: the own guide token), with
     * external vectors mapped through {@code preNorm} and the layer's query projection.
     */
    static NDArray guide(TokenSet tokens, SelfAttention.Result att, TokenReducer reducer,
            TowerReduction reduction, AttentionWeights aw, UnaryOperator<NDArray> preNorm, int layer) {
        boolean headMean = reducer.keyMetric() == KeyMetric.HEAD_MEAN;
        int heads = aw.heads();
        NDArray q = headMean ? headMean(att.queries(), heads) : att.queries();
        UnaryOperator<NDArray> project = v -> {
            long c = v.getShape().get(1);
            NDArray qv = Ops.linear(preNorm.apply(v), aw.qkvT().get(":, 0:" + c), aw.qkvB().get("0:" + c));
            return headMean ? headMean(qv.expandDims(1), heads).squeeze(1) : qv;
        };
        GuideProvider provider = reduction.guide() == null ? GuideProvider.ownToken() : reduction.guide();
        return provider.guide(new GuideContext(layer, tokens, q, project, GUIDE));
    }

    /** Queries or keys [B, N, C] averaged over heads: [B, N, C / heads]. */
    public static NDArray headMean(NDArray x, int heads) {
        long[] s = x.getShape().getShape();
        return x.reshape(s[0], s[1], heads, s[2] / heads).mean(new int[] {2});
    }
}
