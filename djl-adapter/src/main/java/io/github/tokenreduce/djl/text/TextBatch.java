package io.github.tokenreduce.djl.text;

import java.util.Arrays;
import java.util.List;

/**
 * A tokenised BERT-style text batch (BLIP, ViLT, sentence encoders): ids, attention mask and
 * token-type (segment) ids, each [B, L], padded to the longest, [CLS] first.
 */
public record TextBatch(long[][] ids, long[][] mask, long[][] types) {

    /** A batch whose tokens are all of segment 0. */
    public TextBatch(long[][] ids, long[][] mask) {
        this(ids, mask, null);
    }

    public TextBatch {
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
            if (types != null && (types.length != ids.length || types[i].length != l)) {
                throw new IllegalArgumentException("text: token types must be [B, L] like the ids; row " + i
                        + " has " + (i < types.length ? types[i].length : 0) + " for L = " + l);
            }
            if (mask[i][0] != 1) {
                throw new IllegalArgumentException("text: row " + i + " does not start with a real token "
                        + "(mask[" + i + "][0] = " + mask[i][0] + "); expected [CLS] first");
            }
        }
    }

    /** Token types [B, L] (zeros when none were given). */
    @Override
    public long[][] types() {
        return types != null ? types : new long[ids.length][ids[0].length];
    }

    /** Batch size. */
    public int batch() {
        return ids.length;
    }

    /** Padded length. */
    public int length() {
        return ids[0].length;
    }

    /** Rows of ids as a batch padded (with 0) to the longest, with its mask. */
    public static TextBatch padded(List<long[]> rows) {
        int longest = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        long[][] ids = new long[rows.size()][longest];
        long[][] mask = new long[rows.size()][longest];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, ids[i], 0, rows.get(i).length);
            Arrays.fill(mask[i], 0, rows.get(i).length, 1);
        }
        return new TextBatch(ids, mask);
    }

    /** Rows of equal length, row after row (the [B·L] buffer of a [B, L] tensor). */
    public static long[] flatten(long[][] rows) {
        int n = rows[0].length;
        long[] out = new long[rows.length * n];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * n, n);
        }
        return out;
    }
}
