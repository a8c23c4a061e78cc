package io.github.tokenreduce.djl.family;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.testing.Shared;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every fixture model loaded through the registry offers exactly the entry points its family
 * declares: the declared ones run, the others are refused naming the family's entry points.
 */
class FamilySeamTest {

    @TestFactory
    List<DynamicTest> everyFixtureModelOffersWhatItsFamilyDeclares() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String family : List.of("clip", "blip", "vilt", "vit-tome")) {
            try (Stream<Path> cases = Files.list(Shared.dir().resolve("fixtures").resolve(family))) {
                for (Path c : cases.filter(Files::isDirectory).sorted().toList()) {
                    Path hf = c.resolve("hf");
                    tests.add(DynamicTest.dynamicTest(family + "/" + c.getFileName() + "/hf", () -> offers(hf)));
                }
            }
        }
        assertEquals(4, tests.size(), "one case per fixture family");
        return tests;
    }

    private static void offers(Path dir) throws Exception {
        try (FamilyModel model = ModelFamilies.load(dir.toString(), Device.cpu())) {
            ModelFamily f = model.family();
            assertEquals(f.entryPoints().contains(EntryPoint.ONNX_EXPORT), f.onnxExporter().isPresent(), f.name());
            for (Site site : EnumSet.complementOf(EnumSet.copyOf(f.sites()))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> model.withReduction(site, TowerReduction.of(ToMeReducer.builder().r(1).build())));
                assertTrue(e.getMessage().contains("no " + site + " site"), e.getMessage());
            }
            // PuMer reads text-to-image attention: only the sites that give it take it
            TowerReduction pumer = TowerReduction.of(PumerReducer.builder().layers(0).build());
            for (Site site : f.sites()) {
                if (!f.siteInputs(site).contains(SiteInput.CROSS_ATTENTION)) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> model.withReduction(site, pumer));
                    assertTrue(e.getMessage().contains("CROSS_ATTENTION") && e.getMessage().contains(site.toString()),
                            e.getMessage());
                } else {
                    model.withReduction(site, pumer); // BLIP's CROSS, ViLT's single stream: taken
                }
            }
            if (f.entryPoints().contains(EntryPoint.IMAGE_FORWARD)) {
                imagePath(model);
            } else {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, model::imageForward);
                assertTrue(e.getMessage().contains("IMAGE_FORWARD") && e.getMessage().contains(f.describe()),
                        e.getMessage());
            }
            List<BufferedImage> images = List.of(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB));
            if (f.entryPoints().contains(EntryPoint.IMAGE_EMBEDDING)) {
                float[][] e = model.embedImages(images);
                assertEquals(1, e.length);
                double norm = 0;
                for (float x : e[0]) {
                    norm += x * x;
                }
                assertEquals(1, norm, 1e-4, "unit length");
            } else {
                assertThrows(IllegalArgumentException.class, () -> model.embedImages(images));
            }
        }
    }

    /** The image path runs, gives one row per image, and with ToMe at VISION leaves fewer tokens after every block. */
    private static void imagePath(FamilyModel model) {
        ImageForward plain = model.imageForward();
        ImageForward.Geometry g = plain.geometry();
        ImageForward reduced = model.withReduction(Site.VISION_BLOCKS, TowerReduction.of(ToMeReducer.builder().r(2).build()))
                .imageForward();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = m.randomNormal(new Shape(2, 3, g.imageSize(), g.imageSize()));
            int[] full = plain.run(pixels);
            int[] fewer = reduced.run(pixels);
            assertEquals(g.layers(), full.length);
            int[] expected = new int[g.layers()];
            java.util.Arrays.fill(expected, g.tokens());
            assertArrayEquals(expected, full, "unreduced: every block keeps every token");
            for (int l = 0; l < g.layers(); l++) {
                assertEquals(g.tokens() - 2 * (l + 1), fewer[l], "ToMe r=2 after block " + l);
            }
            assertEquals(new Shape(2, plain.outputs(pixels).getShape().get(1)), plain.outputs(pixels).getShape());
        }
    }

    @Test
    void exportIsDeclaredExactlyWhereAnExporterIs() {
        for (ModelFamily f : ModelFamilies.all()) {
            assertEquals(f.entryPoints().contains(EntryPoint.ONNX_EXPORT), f.onnxExporter().isPresent(), f.name());
        }
    }
}
