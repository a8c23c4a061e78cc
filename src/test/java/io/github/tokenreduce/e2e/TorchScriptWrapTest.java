package io.github.tokenreduce.e2e;

import static io.github.tokenreduce.e2e.Fixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.defaults.Defaults;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.torch.TorchScriptArchive;
import io.github.tokenreduce.djl.zoo.DjlModels;
import io.github.tokenreduce.djl.zoo.WrappedModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * OpenAI-style CLIP TorchScript archives ({@code shared/fixtures/torchscript}, every case): loaded by
 * DJL's own {@code Criteria}, wrapped with {@link DjlModels#wrap}, our unreduced model reproduces the
 * archive's {@code encode_image}, {@code encode_text} and {@code forward} outputs to 1e-4, shares the
 * module's tensors, and reduces with a method attached; {@link ClipModel#load} reads the archive too.
 */
class TorchScriptWrapTest {

    @TestFactory
    List<DynamicTest> wrapsTheLoadedArchive() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("torchscript")) {
            tests.add(DynamicTest.dynamicTest("wrap " + Fixtures.name(dir), () -> wrapped(dir)));
            tests.add(DynamicTest.dynamicTest("ClipModel.load " + Fixtures.name(dir), () -> loaded(dir)));
        }
        return tests;
    }

    static ZooModel<NDList, NDList> archive(Path dir) throws Exception {
        return Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(dir.resolve("model.pt"))
                .optEngine("PyTorch").build().loadModel();
    }

    private static void wrapped(Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ZooModel<NDList, NDList> zoo = archive(dir)) {
            WrappedModel w = DjlModels.wrap(zoo);
            assertEquals("clip", w.family().name());
            ClipModel clip = w.as(ClipModel.class);
            ClipFixtureTest.matchesReference(dir, clip, m); // encode_image, encode_text, forward
            reduces(dir, clip, m);

            // the weights are the module's own tensors: scaling one in place moves our output with it
            NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
            NDArray before = clip.imageFeatures(pixels);
            java.nio.FloatBuffer proj = TorchScriptArchive.parameters(zoo).get("visual.proj").toByteBuffer(true)
                    .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
            assertTrue(proj.isDirect(), "the engine hands out the module's memory");
            for (int i = 0; i < proj.limit(); i++) {
                proj.put(i, proj.get(i) * 2); // the archive forbids in-place ops on its tensors: write the memory
            }
            assertClose(before.mul(2), clip.imageFeatures(pixels), 1e-4, "image features after doubling visual.proj");
        }
    }

    private static void loaded(Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(dir.resolve("model.pt"),
                Device.cpu())) {
            ClipFixtureTest.matchesReference(dir, clip, m); // encode_image, encode_text, forward
        }
    }

    /** ToMe on the vision tower at r = a quarter of the patches: fewer tokens after every block, outputs finite. */
    private static void reduces(Path dir, ClipModel clip, NDManager m) {
        NDArray pixels = Fixtures.tensors(dir.resolve("inputs.safetensors"), m).get("pixel_values");
        int patches = clip.config().visionTokens() - 1;
        ClipModel reduced = clip.withReduction(Site.VISION_BLOCKS,
                TowerReduction.of(Defaults.visionSpec("tome", (double) (patches / 4), true).reducer()));
        ClipModel.Encoded whole = clip.encodeImage(pixels);
        ClipModel.Encoded out = reduced.encodeImage(pixels);
        int[] tokens = out.tokensPerLayer();
        assertTrue(tokens[tokens.length - 1] < whole.tokensPerLayer()[tokens.length - 1],
                "reduced token counts " + Arrays.toString(tokens) + " vs " + Arrays.toString(whole.tokensPerLayer()));
        assertEquals(whole.embeddings().getShape(), out.embeddings().getShape());
        float[] v = out.embeddings().toFloatArray();
        for (float x : v) {
            assertFalse(Float.isNaN(x) || Float.isInfinite(x), "reduced embedding not finite");
        }
        assertFalse(out.embeddings().allClose(whole.embeddings(), 1e-6, 1e-6, false), "reduction changed nothing");
    }

    /** A model whose block is no TorchScript module is refused with what was seen. */
    @org.junit.jupiter.api.Test
    void refusesAModelWithoutTorchScript() {
        try (ai.djl.Model model = ai.djl.Model.newInstance("plain", Device.cpu(), "PyTorch")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DjlModels.wrap(model));
            assertTrue(e.getMessage().contains("PtSymbolBlock") && e.getMessage().contains("missing"), e.getMessage());
        }
    }
}
