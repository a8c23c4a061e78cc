package io.github.tokenreduce.core;

/**
 * Where each modality lives in a single-stream token set (ViLT-style {@code [text, image]}):
 * half-open ranges {@code [start, start + length)} along the token axis. A length of 0 means the
 * modality is absent. Methods that merge within a modality (PuMer) read and update it.
 */
public record ModalitySpans(int textStart, int textLength, int imageStart, int imageLength) {

    /** Validates the spans. */
    public ModalitySpans {
        if (textStart < 0 || textLength < 0 || imageStart < 0 || imageLength < 0) {
            throw new IllegalArgumentException("spans: negative start or length in " + describe(
                    textStart, textLength, imageStart, imageLength));
        }
        boolean overlap = textLength > 0 && imageLength > 0
                && textStart < imageStart + imageLength && imageStart < textStart + textLength;
        if (overlap) {
            throw new IllegalArgumentException("spans: text and image ranges overlap in "
                    + describe(textStart, textLength, imageStart, imageLength));
        }
    }

    /** {@code [text (textLength), image (imageLength)]} laid out back to back. */
    public static ModalitySpans textThenImage(int textLength, int imageLength) {
        return new ModalitySpans(0, textLength, textLength, imageLength);
    }

    /** One past the last token covered by either span. */
    public int end() {
        return Math.max(textStart + textLength, imageStart + imageLength);
    }

    @Override
    public String toString() {
        return describe(textStart, textLength, imageStart, imageLength);
    }

    private static String describe(int ts, int tl, int is, int il) {
        return "text [" + ts + ", " + (ts + tl) + "), image [" + is + ", " + (is + il) + ")";
    }
}
