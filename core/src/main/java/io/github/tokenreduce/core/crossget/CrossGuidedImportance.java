package io.github.tokenreduce.core.crossget;

import ai.djl.ndarray.NDArray;
import io.github.tokenreduce.core.util.Checks;
import io.github.tokenreduce.core.util.Tensors;

/**
 * CrossGET's cross-guidance signal (Shi et al., ICML 2024): how important each token is to the
 * guide. A model supplies the guide; this class knows nothing of where it came from.
 */
public final class CrossGuidedImportance {

    private CrossGuidedImportance() {}

    /**
     * CLIP/CoOp variant: {@code I_i = cos(k_i, q_guide)}, values in [-1, 1].
     *
     * @param keys [B, N, c] keys (pre-head-split in CrossGET-CLIP)
     * @param guide [B, c] guide query: the cross token's (vision), the end-of-text token's
     *     (text), or the other modality's cross token (modality-dependent models)
     * @return [B, N]
     */
    public static NDArray cosine(NDArray keys, NDArray guide) {
        Checks.rank("metric", keys, 3, "[B, N, c]");
        return cosineOfUnit(Tensors.normalize(keys), guide);
    }

    /** As {@link #cosine} with the keys already L2-normalised ({@code unitKeys} [B, N, c], checked by the caller). */
    static NDArray cosineOfUnit(NDArray unitKeys, NDArray guide) {
        long b = unitKeys.getShape().get(0);
        long c = unitKeys.getShape().get(2);
        Checks.shape("guide", guide, new long[] {b, c}, "[B, c]");
        Checks.finite("guide", guide);
        NDArray g = Tensors.normalize(guide).expandDims(2); // [B, c, 1]
        return unitKeys.matMul(g).squeeze(2);
    }
}
