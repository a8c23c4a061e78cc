package io.github.tokenreduce.djl.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.testing.RandomClip;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;
import io.github.tokenreduce.djl.weights.SafetensorsWriter.Encoding;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Both loaders on a random CLIP; invariants; reduced-precision files; bad weights. */
class ClipLoadingTest {

    @TempDir
    Path tmp;

    @Test
    void bothNamingsGiveTheSameModelAndInvariantsHold() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> oa = RandomClip.openAi(m, 3);
            Path oaFile = tmp.resolve("oa.safetensors");
            SafetensorsWriter.write(oaFile, oa, Encoding.F32);
            Path hfDir = RandomClip.writeHf(tmp.resolve("hf"), RandomClip.huggingFace(oa), Encoding.F32);
            NDArray pixels = m.randomNormal(new Shape(3, 3, 224, 224));
            long[][] ids = RandomClip.ids(5, 3);
            try (ClipModel a = ClipModel.load(oaFile, Device.cpu()); ClipModel b = ClipModel.load(hfDir, Device.cpu())) {
                assertEquals(a.config(), b.config());
                NDArray ia = a.encodeImages(pixels);
                NDArray ta = a.encodeTexts(m, ids);
                assertTrue(Shared.maxDiff(ia, b.encodeImages(pixels)) < 1e-5, "image embeddings differ");
                assertTrue(Shared.maxDiff(ta, b.encodeTexts(m, ids)) < 1e-5, "text embeddings differ");
                // unit norm
                NDArray ones = m.ones(new Shape(3));
                assertTrue(Shared.maxDiff(ones, ia.square().sum(new int[] {1})) < 1e-5);
                assertTrue(Shared.maxDiff(ones, ta.square().sum(new int[] {1})) < 1e-5);
                // permuting the batch permutes the outputs
                NDArray perm = m.create(new long[] {2, 0, 1});
                NDArray ip = a.encodeImages(pixels.get(perm));
                assertTrue(Shared.maxDiff(ia.get(perm), ip) < 1e-5, "image batch permutation");
                long[][] permIds = {ids[2], ids[0], ids[1]};
                assertTrue(Shared.maxDiff(ta.get(perm), a.encodeTexts(m, permIds)) < 1e-5, "text batch permutation");
                // distinct inputs give distinct embeddings (the model is not constant)
                assertTrue(Shared.maxDiff(ia.get("0"), ia.get("1")) > 1e-3);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"16, 224, 197", "32, 224, 50", "14, 224, 257", "14, 336, 577"})
    void geometryIsInferredForB16B32L14AndL14At336(int patch, int image, int tokens) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path f = tmp.resolve("g" + patch + "_" + image + ".safetensors");
            SafetensorsWriter.write(f, RandomClip.openAi(m, 8, patch, image), Encoding.F32);
            try (ClipModel c = ClipModel.load(f, Device.cpu())) {
                assertEquals(patch, c.config().patch());
                assertEquals(image, c.config().imageSize());
                assertEquals(tokens, c.config().visionTokens());
                ClipModel.Encoded e = c.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(8).build()))
                        .encodeImage(m.randomNormal(new Shape(1, 3, image, image)));
                assertEquals(tokens - 16, e.tokensPerLayer()[1]);
            }
        }
    }

    @Test
    void halfAndBfloat16FilesLoadAndAgreeWithinTheirPrecision() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> oa = RandomClip.openAi(m, 4);
            NDArray pixels = m.randomNormal(new Shape(2, 3, 224, 224));
            NDArray ref = null;
            for (Encoding e : Encoding.values()) {
                Path f = tmp.resolve(e + ".safetensors");
                SafetensorsWriter.write(f, oa, e);
                try (ClipModel c = ClipModel.load(f, Device.cpu())) {
                    NDArray emb = c.encodeImages(pixels);
                    if (ref == null) {
                        ref = emb;
                    } else {
                        double tol = e == Encoding.F16 ? 5e-3 : 3e-2;
                        assertTrue(Shared.maxDiff(ref, emb) < tol, e + " differs by " + Shared.maxDiff(ref, emb));
                        assertTrue(Shared.maxDiff(ref, emb) > 0, e + " should not be bit-identical to F32");
                    }
                }
            }
        }
    }

    @Test
    void missingExtraAndMisshapedTensorsAreAllListed() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> oa = new LinkedHashMap<>(RandomClip.openAi(m, 5));
            oa.remove("visual.transformer.resblocks.1.attn.out_proj.bias");
            oa.put("ln_final.weight", m.ones(new Shape(63)));
            oa.put("some.extra.tensor", m.ones(new Shape(2, 2)));
            Path f = tmp.resolve("bad.safetensors");
            SafetensorsWriter.write(f, oa, Encoding.F32);
            WeightMismatchException e = assertThrows(WeightMismatchException.class,
                    () -> ClipModel.load(f, Device.cpu()));
            String msg = e.getMessage();
            assertEquals(3, e.problems().size(), msg);
            assertTrue(msg.contains("missing visual.transformer.resblocks.1.attn.out_proj.bias (expected (64))"), msg);
            assertTrue(msg.contains("misshaped ln_final.weight: expected (64), found (63)"), msg);
            assertTrue(msg.contains("unexpected some.extra.tensor (2, 2)"), msg);
        }
    }

    @Test
    void truncatedAndCorruptFilesGiveClearErrors() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path f = tmp.resolve("ok.safetensors");
            SafetensorsWriter.write(f, RandomClip.openAi(m, 6), Encoding.F32);
            Path cut = tmp.resolve("cut.safetensors");
            Files.copy(f, cut);
            try (RandomAccessFile raf = new RandomAccessFile(cut.toFile(), "rw")) {
                raf.setLength(raf.length() - 1000);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ClipModel.load(cut, Device.cpu()));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());

            Path junk = tmp.resolve("junk.safetensors");
            Files.write(junk, new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', 'n', 'o', 't', ' ', 'j', 's', 'o'});
            e = assertThrows(IllegalArgumentException.class, () -> ClipModel.load(junk, Device.cpu()));
            assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

            Path tiny = tmp.resolve("tiny.safetensors");
            Files.write(tiny, new byte[] {1, 2, 3});
            e = assertThrows(IllegalArgumentException.class, () -> ClipModel.load(tiny, Device.cpu()));
            assertTrue(e.getMessage().contains("shorter than the 8-byte header"), e.getMessage());

            Path other = tmp.resolve("other.safetensors");
            SafetensorsWriter.write(other, Map.of("foo", m.ones(new Shape(2))), Encoding.F32);
            e = assertThrows(IllegalArgumentException.class, () -> ClipModel.load(other, Device.cpu()));
            assertTrue(e.getMessage().contains("not a CLIP checkpoint"), e.getMessage());
        }
    }

    @Test
    void badInputsToTheModel() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path f = tmp.resolve("m.safetensors");
            SafetensorsWriter.write(f, RandomClip.openAi(m, 7), Encoding.F32);
            try (ClipModel c = ClipModel.load(f, Device.cpu())) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> c.encodeImages(m.ones(new Shape(1, 3, 200, 200))));
                assertTrue(e.getMessage().contains("[B, 3, 224, 224]") && e.getMessage().contains("(1, 3, 200, 200)"));
                e = assertThrows(IllegalArgumentException.class, () -> c.encodeTexts(m, new long[][] {{1, 2}}));
                assertTrue(e.getMessage().contains("[B, 77]"), e.getMessage());
                long[][] big = RandomClip.ids(1, 1);
                big[0][3] = 10_000;
                e = assertThrows(IllegalArgumentException.class, () -> c.encodeTexts(m, big));
                assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
                assertArrayEquals(new long[][] {{1, 0}}, ClipModel.topK(m.create(new float[] {0.2f, 0.9f, 0.1f},
                        new Shape(1, 3)), 2));
            }
        }
    }
}
