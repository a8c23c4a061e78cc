package io.github.tokenreduce.djl.toy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.family.FamilyModel;
import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;
import io.github.tokenreduce.djl.zoo.DjlModels;
import io.github.tokenreduce.djl.zoo.WrappedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A family added as one package plus one registration is found and used by the registry and {@link DjlModels}. */
class AddingAFamilyTest {

    private static final float S = (float) Math.sqrt(0.5);

    @Test
    void theRegistryListsIt() {
        assertTrue(ModelFamilies.all().contains(ModelFamilies.byName("toy").orElseThrow()));
        assertEquals("toy", ModelFamilies.recognise(List.of("toy.embedding"), "t").name());
    }

    @Test
    void aLoadedModelIsWrappedAsIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray e = m.create(new float[][] {{1, 0}, {0, 1}});
            WrappedModel w = DjlModels.wrap(Map.of("toy.embedding", e), m, "in memory");
            assertEquals("toy", w.family().name());
            ToyModel toy = w.as(ToyModel.class);
            // 'a' = 97 -> row 1, 'b' = 98 -> row 0
            assertArrayEquals(new float[] {0, 1}, toy.embed(List.of("a"))[0], 1e-6f);
            assertArrayEquals(new float[] {S, S}, toy.embed(List.of("ab"))[0], 1e-6f);
        }
    }

    @Test
    void aFolderResolvesAndLoadsThroughTheSeam(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            SafetensorsWriter.write(dir.resolve("model.safetensors"), Map.of("toy.embedding",
                    m.create(new float[][] {{3, 4}, {0, 2}})), SafetensorsWriter.Encoding.F32);
        }
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"toy\"}");
        assertEquals("toy", ModelFamilies.resolve(dir).name());
        try (FamilyModel model = ModelFamilies.load(dir.toString(), ai.djl.Device.cpu())) {
            TokenReducer tome = ToMeReducer.builder().build();
            FamilyModel reduced = model.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(tome));
            assertArrayEquals(new float[] {0.6f, 0.8f}, reduced.embedTexts(List.of("bb"))[0], 1e-6f);
            IllegalArgumentException site = assertThrows(IllegalArgumentException.class,
                    () -> model.withReduction(Site.VISION_BLOCKS, TowerReduction.of(tome)));
            assertTrue(site.getMessage().contains("toy text embedder") && site.getMessage().contains("TEXT"),
                    site.getMessage());
            IllegalArgumentException images = assertThrows(IllegalArgumentException.class,
                    () -> model.embedImages(List.of()));
            assertTrue(images.getMessage().contains("IMAGE_EMBEDDING") && images.getMessage().contains("TEXT_EMBEDDING"),
                    images.getMessage());
        }
    }
}
