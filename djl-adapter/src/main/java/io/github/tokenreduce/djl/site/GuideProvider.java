package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;

/**
 * Where a site's guide query comes from (CrossGET's cross-guidance). {@link #ownToken()} takes the query of the
 * tower's own guide token (its cross token, CLS or end-of-text), as CrossGET-CLIP does.
 * {@link #external(NDArray)} takes a vector from the other modality — its cross token — and maps
 * it through the current layer's query projection, so it is compared with this tower's keys in
 * their own space: image tokens guided by the text and text tokens guided by the image, as in
 * CrossGET's modality-dependent models (whose exact formula the paper leaves open).
 */
@FunctionalInterface
public interface GuideProvider {

    /** The guide query [B, c] at this site. */
    NDArray guide(GuideContext context);

    /** The tower's own guide token's query. */
    static GuideProvider ownToken() {
        return GuideContext::queryAtGuideToken;
    }

    /**
     * The size-weighted mean of the real tokens' queries ({@link GuideContext#meanQuery()}): for
     * mean-pooled sentence encoders, whose output weighs every token, not CLS.
     */
    static GuideProvider meanOfTokens() {
        return GuideContext::meanQuery;
    }

    /** An external vector [B, C] (the other modality's cross token), projected per layer. */
    static GuideProvider external(NDArray vector) {
        return ctx -> ctx.projectQuery(vector);
    }
}
