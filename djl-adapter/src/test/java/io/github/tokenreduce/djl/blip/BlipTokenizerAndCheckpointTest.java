package io.github.tokenreduce.djl.blip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.site.ReductionCheckpoint;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;
import io.github.tokenreduce.djl.text.TextBatch;
import io.github.tokenreduce.djl.text.BertTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class BlipTokenizerAndCheckpointTest {

    @TempDir
    Path tmp;

    @Test
    void wordPieceWithClsSepPaddingToLongestAndTruncationKeepingSep() throws Exception {
        Path json = tmp.resolve("tokenizer.json");
        String special = "{\"id\":%d,\"content\":\"%s\",\"single_word\":false,\"lstrip\":false,"
                + "\"rstrip\":false,\"normalized\":false,\"special\":true}";
        Files.writeString(json, "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
                + String.format(special, 0, "[PAD]") + "," + String.format(special, 2, "[CLS]") + ","
                + String.format(special, 3, "[SEP]") + "],"
                + "\"normalizer\":{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,"
                + "\"strip_accents\":null,\"lowercase\":true},\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
                + "\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",3],\"cls\":[\"[CLS]\",2]},"
                + "\"decoder\":null,\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\","
                + "\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100,\"vocab\":{\"[PAD]\":0,"
                + "\"[UNK]\":1,\"[CLS]\":2,\"[SEP]\":3,\"a\":4,\"cat\":5,\"dog\":6,\"photo\":7,\"of\":8,\"##s\":9}}}");
        try (BertTokenizer tok = BertTokenizer.load(json, 6)) {
            TextBatch t = tok.encode(List.of("A cat", "photo of dogs", "a a a a a a a"));
            assertArrayEquals(new long[] {2, 4, 5, 3, 0, 0}, t.ids()[0]);
            assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0}, t.mask()[0]);
            assertArrayEquals(new long[] {2, 7, 8, 6, 9, 3}, t.ids()[1], "WordPiece splits dogs into dog ##s");
            assertArrayEquals(new long[] {2, 4, 4, 4, 4, 3}, t.ids()[2], "truncated, [SEP] kept");
            assertEquals(6, t.length());
        }
    }

    @Test
    void checkpointParametersAreFoundByNameOrSuffix() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = new LinkedHashMap<>();
            w.put("model.cross_image", m.ones(new Shape(2, 4)));
            w.put("cross_text", m.zeros(new Shape(3, 4)));
            w.put("madtp.dictionary", m.ones(new Shape(5, 4)));
            w.put("madtp.temperature", m.create(new float[] {2.5f}));
            Path f = tmp.resolve("reduction.safetensors");
            SafetensorsWriter.write(f, w, SafetensorsWriter.Encoding.F32);
            ReductionCheckpoint c = ReductionCheckpoint.load(f, m);
            assertEquals(new Shape(2, 4), c.crossOffsets(Site.VISION_BLOCKS).orElseThrow().getShape());
            assertEquals(new Shape(3, 4), c.crossOffsets(Site.TEXT_BLOCKS).orElseThrow().getShape());
            assertEquals(new Shape(5, 4), c.madtpDictionary().orElseThrow().getShape());
            assertEquals(2.5f, c.madtpTemperature().orElseThrow());
        }
    }
}
