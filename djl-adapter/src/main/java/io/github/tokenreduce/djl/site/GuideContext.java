package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.TokenSet;

import java.util.function.UnaryOperator;

/**
 * What a {@link GuideProvider} can use at a site: the layer, the token set (whose {@code guide}
 * attachment marks the guide token), the layer's queries [B, N, c] in the metric's space, and the
 * layer's query projection (from a hidden vector [B, C] to [B, c]).
 */
public final class GuideContext {

    private final int layer;
    private final TokenSet tokens;
    private final NDArray queries;
    private final UnaryOperator<NDArray> projection;
    private final String guideAttachment;

    public GuideContext(int layer, TokenSet tokens, NDArray queries, UnaryOperator<NDArray> projection,
            String guideAttachment) {
        this.layer = layer;
        this.tokens = tokens;
        this.queries = queries;
        this.projection = projection;
        this.guideAttachment = guideAttachment;
    }

    public int layer() {
        return layer;
    }

    public TokenSet tokens() {
        return tokens;
    }

    /** The query of the token marked by the guide attachment, [B, c]. */
    public NDArray queryAtGuideToken() {
        return tokens.select(guideAttachment, queries);
    }

    /**
     * The mean of the real tokens' queries, each weighted by the tokens it stands for
     * ({@code sizes · keyMask}), [B, c]: the query of a mean-pooled embedding rather than of one
     * token.
     */
    public NDArray meanQuery() {
        NDArray w = tokens.sizes().mul(tokens.keyMask()).toType(queries.getDataType(), false);
        return w.expandDims(1).matMul(queries).squeeze(1).div(w.sum(new int[] {1}, true).maximum(1e-12f));
    }

    /** {@code vector} [B, C] through this layer's query projection, [B, c]. */
    public NDArray projectQuery(NDArray vector) {
        return projection.apply(vector);
    }
}
