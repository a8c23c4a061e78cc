package io.github.tokenreduce.core.util;

import ai.djl.ndarray.NDArray;

/**
 * Edge rules shared by the matchers, applied to a score matrix [B, Na, Nb]:
 * <ul>
 *   <li>an edge touching a protected token is blocked (score {@link Tensors#NEG}): protected
 *       tokens are never sources nor destinations;
 *   <li>padding may merge only with padding, and does so first (score {@link #PAD_PAIR}, above any
 *       cosine); a real token never merges with padding. Ragged batches thus shed padding before
 *       real content and no real token is averaged with padding.
 * </ul>
 */
public final class MatchMasks {

    /** Score of a padding-padding edge: above every cosine similarity. */
    public static final float PAD_PAIR = 2f;

    private MatchMasks() {}

    /**
     * Applies the rules to {@code scores} [B, Na, Nb] given row/column protection and key masks;
     * {@code null} masks switch the padding rule off (PuMer merges padding with real text).
     */
    public static NDArray apply(NDArray scores, NDArray protRows, NDArray protCols,
            NDArray maskRows, NDArray maskCols) {
        return apply(scores, protRows, protCols, maskRows, maskCols, null);
    }

    /**
     * As {@link #apply(NDArray, NDArray, NDArray, NDArray, NDArray)}, and every edge where
     * {@code alsoBlocked} (boolean, broadcastable to the scores; null for none) is set is blocked
     * too, whatever the padding rule says of it. Scores are similarities, {@code >= NEG}.
     */
    public static NDArray apply(NDArray scores, NDArray protRows, NDArray protCols,
            NDArray maskRows, NDArray maskCols, NDArray alsoBlocked) {
        NDArray s = scores;
        if (maskRows != null) {
            NDArray realRows = maskRows.gt(0f).expandDims(2);
            NDArray realCols = maskCols.gt(0f).expandDims(1);
            NDArray padPair = realRows.logicalOr(realCols).logicalNot();
            s = Tensors.select(padPair, Tensors.scalar(scores, PAD_PAIR), scores);
            s = Tensors.where(realRows.logicalXor(realCols).logicalNot(), s, Tensors.NEG);
        }
        // an edge with a protected end is blocked: by rows, then by columns (each a broadcast minimum)
        s = Tensors.blockUnless(s, protRows.gt(0f).logicalNot().expandDims(2));
        s = Tensors.blockUnless(s, protCols.gt(0f).logicalNot().expandDims(1));
        return alsoBlocked == null ? s : Tensors.blockUnless(s, alsoBlocked.logicalNot());
    }

    /**
     * {@code keyMask} when it marks padding somewhere (an entry &lt;= 0), else null: the padding rule
     * of {@link #apply} then changes nothing and is skipped. Reads the mask [B, N] on the host.
     */
    public static NDArray paddingOrNull(NDArray keyMask) {
        if (keyMask == null) {
            return null;
        }
        for (float v : keyMask.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray()) {
            if (!(v > 0f)) {
                return keyMask;
            }
        }
        return null;
    }

    /** Per-sample count of entries > 0 in {@code mask} [B, N], on the host. */
    public static int[] countPositive(NDArray mask) {
        return Tensors.toIntArray(mask.gt(0f).sum(new int[] {1}));
    }
}
