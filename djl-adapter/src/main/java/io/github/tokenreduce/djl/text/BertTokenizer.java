package io.github.tokenreduce.djl.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import io.github.tokenreduce.djl.weights.ModelFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A BERT WordPiece tokeniser (BLIP, ViLT, BERT sentence encoders) from a Hugging Face
 * {@code tokenizer.json}: {@code [CLS] tokens [SEP]}, truncated to {@code maxLength} (35 in BLIP
 * retrieval, 40 in ViLT) keeping {@code [SEP]}, padded to the longest text of the batch with
 * {@code [PAD]}, with the attention mask. The file's own truncation and padding settings are
 * overridden. Holds no per-call state; close to free it.
 */
public final class BertTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final long pad;

    private BertTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        long[] p = tokenizer.encode("[PAD]", false, false).getIds();
        this.pad = p.length == 1 ? p[0] : 0;
    }

    /** Loads {@code tokenizer.json} (or a directory holding it). */
    public static BertTokenizer load(Path path, int maxLength) throws IOException {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength: must be >= 2 but was " + maxLength);
        }
        Path file = ModelFiles.resolve(path, "tokenizer.json", "tokenizer");
        return new BertTokenizer(HuggingFaceTokenizer.newInstance(file,
                Map.of("padding", "false", "truncation", "false")), maxLength);
    }

    /** Tokenises a batch. */
    public TextBatch encode(List<String> texts) {
        long[][] rows = new long[texts.size()][];
        int longest = 0;
        for (int i = 0; i < rows.length; i++) {
            long[] ids = tokenizer.encode(texts.get(i), true, false).getIds();
            if (ids.length > maxLength) {
                long last = ids[ids.length - 1];
                ids = Arrays.copyOf(ids, maxLength);
                ids[maxLength - 1] = last;
            }
            rows[i] = ids;
            longest = Math.max(longest, ids.length);
        }
        long[][] ids = new long[rows.length][longest];
        long[][] mask = new long[rows.length][longest];
        for (int i = 0; i < rows.length; i++) {
            Arrays.fill(ids[i], pad);
            System.arraycopy(rows[i], 0, ids[i], 0, rows[i].length);
            Arrays.fill(mask[i], 0, rows[i].length, 1);
        }
        return new TextBatch(ids, mask);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
