package io.github.tokenreduce.djl.bert;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts texts into the chunks a sentence encoder reads and averages the chunks' vectors back into one
 * per text, as langchain4j's {@code OnnxBertBiEncoder} does: word pieces split into runs of at most
 * 510 (never inside a word), each run wrapped in [CLS] … [SEP]; a text's vector is its chunks' pooled
 * vectors averaged weighted by their word pieces, L2-normalised. The tokenizer file's own truncation
 * and padding are overridden, so every word piece counts (langchain4j's tokenizer keeps its truncation
 * and so never chunks: the langchain4j module cuts texts as it does, with {@link #chunk(List, int)}).
 *
 * <p>Thread-safe; the encoder that built it owns and closes its tokenizer.
 */
public final class TextChunker {

    /** Word pieces per chunk: 512 positions less [CLS] and [SEP]. */
    static final int MAX_CHUNK = 510;

    private final HuggingFaceTokenizer tokenizer;
    private final long cls;
    private final long sep;

    TextChunker(HuggingFaceTokenizer tokenizer, long cls, long sep) {
        this.tokenizer = tokenizer;
        this.cls = cls;
        this.sep = sep;
    }

    /** The texts' chunks, every word piece kept; an empty or blank text is an error. */
    public List<TextChunk> chunk(List<String> texts) {
        return chunk(texts, Integer.MAX_VALUE);
    }

    /**
     * The chunks of each text's first {@code maxPieces} word pieces (all of them when fewer), as a
     * tokenizer that truncates to {@code maxPieces + 2} tokens with [CLS] and [SEP] keeps them;
     * {@code maxPieces <= 510} gives one chunk per text. An empty or blank text is an error.
     */
    public List<TextChunk> chunk(List<String> texts, int maxPieces) {
        if (maxPieces < 1) {
            throw new IllegalArgumentException("maxPieces: must be >= 1 but was " + maxPieces);
        }
        List<TextChunk> chunks = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            String text = texts.get(t);
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("texts: text " + t + " is empty or whitespace only; cannot embed it");
            }
            Encoding e = tokenizer.encode(text, false, false);
            String[] pieces = e.getTokens();
            for (int[] range : partition(pieces.length > maxPieces ? Arrays.copyOf(pieces, maxPieces) : pieces)) {
                long[] ids = new long[range[1] - range[0] + 2];
                ids[0] = cls;
                System.arraycopy(e.getIds(), range[0], ids, 1, range[1] - range[0]);
                ids[ids.length - 1] = sep;
                chunks.add(new TextChunk(t, ids, range[1] - range[0]));
            }
        }
        return chunks;
    }

    /** The tokens of {@code text} read whole: its word pieces plus [CLS] and [SEP], however many chunks they make. */
    public int tokens(String text) {
        return tokenizer.encode(text, false, false).getIds().length + 2;
    }

    /** Each text's chunks averaged weighted by their word pieces, then L2-normalised: [texts][C]. */
    public static float[][] combine(int texts, List<TextChunk> chunks, float[][] pooled) {
        int width = pooled.length == 0 ? 0 : pooled[0].length;
        float[][] out = new float[texts][width];
        float[] weight = new float[texts];
        for (int i = 0; i < pooled.length; i++) {
            TextChunk c = chunks.get(i);
            for (int j = 0; j < width; j++) {
                out[c.text()][j] += pooled[i][j] * c.weight();
            }
            weight[c.text()] += c.weight();
        }
        for (int t = 0; t < texts; t++) {
            double norm = 0;
            for (int j = 0; j < width; j++) {
                out[t][j] /= weight[t];
                norm += out[t][j] * out[t][j];
            }
            float n = (float) Math.sqrt(norm);
            for (int j = 0; j < width; j++) {
                out[t][j] /= Math.max(n, 1e-12f);
            }
        }
        return out;
    }

    /** langchain4j's partition of word pieces into runs of at most 510, never starting at a "##" piece. */
    static List<int[]> partition(String[] tokens) {
        List<int[]> out = new ArrayList<>();
        int from = 0;
        while (from < tokens.length) {
            int to = from + MAX_CHUNK;
            if (to >= tokens.length) {
                to = tokens.length;
            } else {
                while (to > from && tokens[to].startsWith("##")) {
                    to--;
                }
                if (to == from) {
                    to = from + MAX_CHUNK;
                }
            }
            out.add(new int[] {from, to});
            from = to;
        }
        return out;
    }

    /** Frees the tokenizer (called by the encoder that owns it). */
    void close() {
        tokenizer.close();
    }
}
