package io.github.tokenreduce.djl.bert;

/**
 * One chunk of a text as a sentence encoder reads it: [CLS] up to 510 word pieces [SEP].
 *
 * @param text the text's index in its list
 * @param ids the chunk's token ids, [CLS] and [SEP] included
 * @param weight its word pieces (the chunk's weight in the text's average)
 */
public record TextChunk(int text, long[] ids, int weight) {}
