package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitLoader;
import io.github.tokenreduce.djl.vit.VitModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Low precision against float32 with the same reduction, on every case of the authors' reduced
 * models ({@code vit-tome}: ToMe at the case's r; {@code clip-crossget}: CrossGET on both towers):
 * every output row keeps a cosine of at least 0.999 (bf16) or 0.99 (int8) to the float32 row, and
 * the tokens kept after each block are the same (the methods decide in float32 on float32 inputs).
 */
class LowPrecisionFidelityTest {

    private static final Precision[] LOW = {Precision.BF16, Precision.INT8};

    @TestFactory
    List<DynamicTest> vitWithToMe() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("vit-tome")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            JsonObject g = fixture.getAsJsonObject("geometry");
            VitLoader.Overrides o = new VitLoader.Overrides(g.get("heads").getAsInt(), g.get("layer_norm_eps").getAsFloat());
            Path weights = Fixtures.weights(dir).get(0);
            for (JsonElement c : fixture.getAsJsonArray("cases")) {
                JsonElement r = c.getAsJsonObject().get("r");
                if (!r.isJsonPrimitive()) {
                    continue; // schedules are covered by the constant-r cases; the arithmetic is the same
                }
                for (Precision p : LOW) {
                    String name = dir.getFileName() + "/" + c.getAsJsonObject().get("name").getAsString() + "/" + p;
                    tests.add(DynamicTest.dynamicTest(name, () -> vit(dir, weights, o, r.getAsInt(), p)));
                }
            }
        }
        return tests;
    }

    private static void vit(Path dir, Path weights, VitLoader.Overrides o, int r, Precision p) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); VitModel vit = VitModel.load(weights, Device.cpu(), o)) {
            NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
            VitModel fp32 = vit.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(r).build()));
            assumeTrue(p.resolve(Device.cpu()) == p, "this CPU has no fast " + p + " instructions");
            VitModel low = fp32.withPrecision(p);
            assertEquals(p, low.precision());
            VitModel.Classification a = fp32.classify(pixels);
            VitModel.Classification b = low.classify(pixels);
            assertArrayEquals(a.tokensPerLayer(), b.tokensPerLayer(), "tokens after each block");
            assertCosine(a.features(), b.features(), p, "features");
        }
    }

    @TestFactory
    List<DynamicTest> clipWithCrossGet() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("clip-crossget")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            Path weights = Fixtures.weights(dir).get(0);
            for (JsonElement c : fixture.getAsJsonArray("cases")) {
                JsonObject spec = c.getAsJsonObject();
                if ("none".equals(spec.get("reduce").getAsString())) {
                    continue;
                }
                for (Precision p : LOW) {
                    tests.add(DynamicTest.dynamicTest(dir.getFileName() + "/" + spec.get("name").getAsString() + "/" + p,
                            () -> clip(dir, weights, spec, p)));
                }
            }
        }
        return tests;
    }

    private static void clip(Path dir, Path weights, JsonObject spec, Precision p) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ClipModel plain = ClipModel.load(weights, Device.cpu())) {
            Map<String, NDArray> in = Fixtures.tensors(dir.resolve("inputs.safetensors"), m);
            ClipModel fp32 = plain.withTextPadding(ClipModel.TextPadding.AUTHORS)
                    .withReduction(Site.VISION_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(spec.get("rv").getAsInt()).build()))
                    .withReduction(Site.TEXT_BLOCKS, TowerReduction.of(CrossGetReducer.builder().r(spec.get("rl").getAsInt()).build()));
            assumeTrue(p.resolve(Device.cpu()) == p, "this CPU has no fast " + p + " instructions");
            ClipModel low = fp32.withPrecision(p);
            assertEquals(p, low.precision());
            NDArray pixels = in.get("pixel_values");
            long[][] ids = Fixtures.rows(in.get("input_ids"));
            ClipModel.Encoded ia = fp32.encodeImage(pixels);
            ClipModel.Encoded ib = low.encodeImage(pixels);
            assertArrayEquals(ia.tokensPerLayer(), ib.tokensPerLayer(), "image tokens after each block");
            assertCosine(ia.embeddings(), ib.embeddings(), p, "image embeddings");
            ClipModel.Encoded ta = fp32.encodeText(m, ids);
            ClipModel.Encoded tb = low.encodeText(m, ids);
            assertArrayEquals(ta.tokensPerLayer(), tb.tokensPerLayer(), "text tokens after each block");
            assertCosine(ta.embeddings(), tb.embeddings(), p, "text embeddings");
        }
    }

    /** Every row of {@code b} [B, D] within the precision's cosine floor of the same row of {@code a}. */
    private static void assertCosine(NDArray a, NDArray b, Precision p, String what) {
        double floor = p == Precision.BF16 ? 0.999 : 0.99;
        NDArray cos = a.mul(b).sum(new int[] {1}).div(a.norm(new int[] {1}).mul(b.norm(new int[] {1})));
        float[] c = cos.toFloatArray();
        for (int i = 0; i < c.length; i++) {
            assertTrue(c[i] >= floor, what + " row " + i + ": cosine " + c[i] + " to float32, floor " + floor);
        }
        assertTrue(a.sub(b).abs().max().getFloat() > 0f, what + ": identical to float32, so " + p + " did not run");
    }
}
