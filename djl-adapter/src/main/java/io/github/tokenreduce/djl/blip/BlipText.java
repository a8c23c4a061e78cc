package io.github.tokenreduce.djl.blip;

/**
 * A tokenised text batch for BLIP: ids and attention mask, both [B, L], padded to the longest.
 */
public record BlipText(long[][] ids, long[][] mask) {

    public BlipText {
        if (ids == null || mask == null || ids.length == 0 || ids.length != mask.length) {
            throw new IllegalArgumentException("text: ids and mask must be non-empty [B, L] arrays of the same "
                    + "batch, got " + (ids == null ? "null" : ids.length) + " and "
                    + (mask == null ? "null" : mask.length) + " rows");
        }
        int l = ids[0].length;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length != l || mask[i].length != l) {
                throw new IllegalArgumentException("text: row " + i + " has " + ids[i].length + " ids and "
                        + mask[i].length + " mask entries; expected [B, L] with L = " + l);
            }
            if (mask[i][0] != 1) {
                throw new IllegalArgumentException("text: row " + i + " does not start with a real token "
                        + "(mask[" + i + "][0] = " + mask[i][0] + "); expected [CLS] first");
            }
        }
    }

    /** Batch size. */
    public int batch() {
        return ids.length;
    }

    /** Padded length. */
    public int length() {
        return ids[0].length;
    }
}
