package io.github.tokenreduce.djl.clip;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import io.github.tokenreduce.djl.weights.ModelFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * CLIP's byte-pair tokeniser, loaded from a Hugging Face {@code tokenizer.json} through DJL's
 * native tokenizers: {@code [<|startoftext|>, tokens..., <|endoftext|>]}, truncated so the
 * end-of-text token always survives, and padded to the context length with the end-of-text token.
 * Holds no per-call state; close it to free the native tokenizer.
 */
public final class ClipTokenizer implements AutoCloseable {

    /** CLIP's start token. */
    public static final String START = "<|startoftext|>";
    /** CLIP's end token. */
    public static final String END = "<|endoftext|>";

    private final HuggingFaceTokenizer tokenizer;
    private final long start;
    private final long end;
    private final int context;

    private ClipTokenizer(HuggingFaceTokenizer tokenizer, int context) {
        this.tokenizer = tokenizer;
        this.context = context;
        this.start = special(tokenizer, START);
        this.end = special(tokenizer, END);
    }

    /** Loads {@code tokenizer.json} (or a directory holding it) for a context of {@code context} tokens. */
    public static ClipTokenizer load(Path path, int context) throws IOException {
        if (context < 2) {
            throw new IllegalArgumentException("context: must be >= 2 but was " + context);
        }
        Path file = ModelFiles.resolve(path, "tokenizer.json", "tokenizer");
        HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(file,
                Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "false"));
        try {
            return new ClipTokenizer(t, context);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** Token ids [B, context]. */
    public long[][] encode(List<String> texts) {
        long[][] out = new long[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encode(texts.get(i));
        }
        return out;
    }

    /** Token ids [context] of one text. */
    public long[] encode(String text) {
        long[] body = tokenizer.encode(text, false, false).getIds();
        long[] ids = new long[context];
        int n = Math.min(body.length, context - 2);
        ids[0] = start;
        System.arraycopy(body, 0, ids, 1, n);
        java.util.Arrays.fill(ids, n + 1, context, end);
        return ids;
    }

    /** The end-of-text id. */
    public long endId() {
        return end;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static long special(HuggingFaceTokenizer t, String token) {
        Encoding e = t.encode(token, false, false);
        long[] ids = e.getIds();
        if (ids.length != 1) {
            throw new IllegalArgumentException("tokenizer: '" + token + "' is not a single special token "
                    + "(got " + ids.length + " ids); is this a CLIP tokenizer.json?");
        }
        return ids[0];
    }
}
