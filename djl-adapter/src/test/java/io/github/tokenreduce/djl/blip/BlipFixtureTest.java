package io.github.tokenreduce.djl.blip;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.Safetensors;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Compares with reference BLIP outputs in {@code shared/fixtures/blip/<name>/} whenever they are
 * present (reported as skipped otherwise), to 1e-4. Expected layout, as for CLIP: {@code hf/}
 * (model.safetensors, config.json), {@code inputs.safetensors} ({@code pixel_values},
 * {@code input_ids}, {@code attention_mask}) and {@code expected.safetensors} with any of
 * {@code itm_score} [B] (match probability), {@code itm_logits} [B, 2], {@code itc_similarity} [B, B].
 */
class BlipFixtureTest {

    @Test
    void reproducesReferenceOutputsWhenPresent() throws Exception {
        Path root = Shared.dir().resolve("fixtures/blip");
        assumeTrue(Files.isDirectory(root), "no BLIP reference fixture in " + root);
        List<Path> cases;
        try (Stream<Path> s = Files.list(root)) {
            cases = s.filter(p -> Files.isRegularFile(p.resolve("expected.safetensors"))).toList();
        }
        assumeTrue(!cases.isEmpty(), "no BLIP fixture case with expected.safetensors under " + root);
        for (Path c : cases) {
            try (NDManager m = NDManager.newBaseManager(); BlipModel blip = BlipModel.load(c.resolve("hf"), Device.cpu())) {
                Map<String, NDArray> in = Safetensors.load(c.resolve("inputs.safetensors"), m, Device.cpu());
                Map<String, NDArray> exp = Safetensors.load(c.resolve("expected.safetensors"), m, Device.cpu());
                BlipText text = new BlipText(rows(in.get("input_ids")), rows(in.get("attention_mask")));
                NDArray pixels = in.get("pixel_values");
                int compared = 0;
                if (exp.containsKey("itm_score") || exp.containsKey("itm_logits")) {
                    NDArray want = exp.containsKey("itm_score") ? exp.get("itm_score")
                            : exp.get("itm_logits").softmax(1).get(":, 1");
                    double d = Shared.maxDiff(want, blip.itmScores(pixels, text));
                    assertTrue(d < 1e-4, c + ": ITM differs by " + d);
                    compared++;
                }
                if (exp.containsKey("itc_similarity")) {
                    double d = Shared.maxDiff(exp.get("itc_similarity"), blip.itcSimilarity(pixels, text));
                    assertTrue(d < 1e-4, c + ": ITC differs by " + d);
                    compared++;
                }
                assertTrue(compared > 0, c + ": expected.safetensors holds none of itm_score, itm_logits, itc_similarity");
            }
        }
    }

    private static long[][] rows(NDArray a) {
        int b = (int) a.getShape().get(0);
        int n = (int) a.getShape().get(1);
        long[] flat = a.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
        long[][] out = new long[b][n];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * n, out[i], 0, n);
        }
        return out;
    }
}
