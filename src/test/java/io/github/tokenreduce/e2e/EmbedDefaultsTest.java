package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.github.tokenreduce.cli.data.Passages;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code tokenreduce embed MODEL --method auto} applies the model's documented default: CrossGET keep
 * 0.9 from layer 3 (MiniLM), 64-token floor; no reduction on bge-small-en-v1.5, whose documented
 * level (keep 0.9 from layer 9) a named method still gets.
 */
class EmbedDefaultsTest {

    @TempDir
    Path tmp;

    @Test
    void methodAutoIsTheDocumentedDefault() throws IOException {
        String text = passage();
        float[] got = embed("all-minilm-l6-v2", text, "--method", "auto");
        try (SentenceEncoder e = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu())) {
            float[] want = e.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(new ReducerSpec("crossget",
                    Schedule.keepRatio(0.9, 64, 3), false, 1f).reducer())).embed(List.of(text))[0];
            assertArrayEquals(want, got, 1e-5f, "--method auto is CrossGET keep 0.9 from layer 3");
            float[] plain = e.embed(List.of(text))[0];
            double d = 0;
            for (int i = 0; i < plain.length; i++) {
                d += plain[i] * got[i];
            }
            assertTrue(d < 0.9999, "the reduction acts on a 150-word text: cosine " + d);
        }
    }

    @Test
    void bgeReducesNothingByDefaultAndANamedMethodTakesItsDocumentedLevel() throws IOException {
        String text = passage();
        float[] auto = embed("bge-small-en-v1.5", text, "--method", "auto");
        float[] crossget = embed("bge-small-en-v1.5", text, "--method", "crossget");
        try (SentenceEncoder e = BundledEncoder.BGE_SMALL_EN_V15.load(Device.cpu())) {
            assertArrayEquals(e.embed(List.of(text))[0], auto, 1e-5f, "--method auto on bge is the unreduced model");
            float[] want = e.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(new ReducerSpec("crossget",
                    Schedule.keepRatio(0.9, 64, 9), false, 1f).reducer())).embed(List.of(text))[0];
            assertArrayEquals(want, crossget, 1e-5f, "--method crossget on bge is keep 0.9 from layer 9");
            assertTrue(!Arrays.equals(auto, crossget), "the named method reduces the 150-word text");
        }
    }

    /** The first 150 words of an Austen passage: longer than the 64-token floor. */
    private static String passage() throws IOException {
        return String.join(" ", Arrays.copyOf(Passages.read(Fixtures.shared()
                .resolve("data/austen/austen_passages300.jsonl")).get(3).text().split(" "), 150));
    }

    /** {@code tokenreduce embed model} on one text with {@code options}: its embedding. */
    private float[] embed(String model, String text, String... options) throws IOException {
        Path file = tmp.resolve("t.txt");
        Files.writeString(file, text + "\n");
        Path out = tmp.resolve(String.join("-", options).replace("--", ""));
        List<String> args = new ArrayList<>(List.of("embed", model, "--input", file.toString(), "-q",
                "--out", out.toString()));
        args.addAll(List.of(options));
        CliArgumentsTest.Outcome o = CliArgumentsTest.run(args.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        return row(out.resolve("embeddings.npy"));
    }

    /** The single row of a float32 [1, D] .npy file. */
    private static float[] row(Path npy) throws IOException {
        byte[] b = Files.readAllBytes(npy);
        int header = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        int d = (b.length - 10 - header) / 4;
        float[] out = new float[d];
        ByteBuffer.wrap(b, 10 + header, 4 * d).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
