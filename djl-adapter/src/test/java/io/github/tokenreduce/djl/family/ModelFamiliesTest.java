package io.github.tokenreduce.djl.family;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.testing.Shared;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

class ModelFamiliesTest {

    /** The fixture folders of each family ({@code ../shared/fixtures/README.md}). */
    private static final Map<String, String> FIXTURE_FAMILY = Map.of("clip", "clip", "blip", "blip", "vilt", "vilt",
            "vit-tome", "vit");

    private static ModelFamily family(String name) {
        return ModelFamilies.byName(name).orElseThrow();
    }

    @Test
    void recognisesEachNaming() {
        assertEquals(family("clip"), ModelFamilies.recognise(List.of("positional_embedding",
                "visual.transformer.resblocks.0.attn.in_proj_weight", "token_embedding.weight"), "t"));
        assertEquals(family("clip"), ModelFamilies.recognise(List.of("vision_model.embeddings.class_embedding",
                "text_model.embeddings.token_embedding.weight"), "t"));
        assertEquals(family("blip"), ModelFamilies.recognise(List.of("vision_model.embeddings.class_embedding",
                "text_encoder.embeddings.word_embeddings.weight"), "t"));
        assertEquals(family("blip"), ModelFamilies.recognise(List.of("visual_encoder.cls_token",
                "text_encoder.embeddings.word_embeddings.weight"), "t"));
        assertEquals(family("vilt"), ModelFamilies.recognise(List.of("vilt.embeddings.cls_token"), "t"));
        assertEquals(family("vit"), ModelFamilies.recognise(List.of("vit.embeddings.cls_token"), "t"));
        assertEquals(family("vit"), ModelFamilies.recognise(List.of("deit.embeddings.cls_token"), "t"));
        assertEquals(family("vit"), ModelFamilies.recognise(List.of("cls_token", "patch_embed.proj.weight"), "t"));
    }

    @Test
    void aPrefixMarkerNeedsANameUnderIt() {
        // the OpenAI text tower alone (no visual.transformer.resblocks.*) is no CLIP
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFamilies.recognise(
                List.of("transformer.resblocks.0.attn.in_proj_weight", "token_embedding.weight"), "my.pt"));
        assertTrue(e.getMessage().contains("my.pt") && e.getMessage().contains("clip (OpenAI)")
                && e.getMessage().contains("token_embedding.weight"), e.getMessage());
    }

    /** Every layout of every family's fixture: the folder (config.json first) and its weights file alone (names). */
    @TestFactory
    List<DynamicTest> resolvesEveryFixtureLayout() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, String> e : FIXTURE_FAMILY.entrySet()) {
            for (Path layout : layouts(Shared.dir().resolve("fixtures").resolve(e.getKey()))) {
                String label = e.getKey() + "/" + layout.getParent().getFileName() + "/" + layout.getFileName();
                tests.add(DynamicTest.dynamicTest(label + " -> " + e.getValue(),
                        () -> assertEquals(e.getValue(), ModelFamilies.resolve(layout).name())));
                Path weights = layout.resolve("model.safetensors");
                tests.add(DynamicTest.dynamicTest(label + "/model.safetensors (names) -> " + e.getValue(),
                        () -> assertEquals(e.getValue(), ModelFamilies.resolve(weights).name())));
            }
        }
        assertTrue(tests.size() >= 2 * FIXTURE_FAMILY.size(), "a fixture folder per family");
        return tests;
    }

    private static List<Path> layouts(Path family) throws IOException {
        try (Stream<Path> cases = Files.list(family)) {
            List<Path> out = new ArrayList<>();
            for (Path c : cases.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> l = Files.list(c)) {
                    l.filter(p -> Files.isRegularFile(p.resolve("model.safetensors"))).sorted().forEach(out::add);
                }
            }
            return out;
        }
    }

    @Test
    void aMissingPathIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFamilies.resolve(Path.of("no/such/model")));
        assertTrue(e.getMessage().contains("no/such/model") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void bundledEncodersResolveByName() {
        assertEquals("bert", ModelFamilies.bundling("all-minilm-l6-v2").orElseThrow().name());
        assertEquals("bert", ModelFamilies.bundling("BGE_SMALL_EN_V15").orElseThrow().name());
        assertFalse(ModelFamilies.bundling("random-clip").isPresent());
        assertTrue(ModelFamilies.bundledNames().containsAll(List.of("all-minilm-l6-v2", "bge-small-en-v1.5",
                "e5-small-v2")), ModelFamilies.bundledNames().toString());
    }

    @Test
    void onlyBlipAndViltGiveTextToImageAttention() {
        for (ModelFamily f : ModelFamilies.all()) {
            for (Site site : Site.values()) {
                boolean cross = f.siteInputs(site).contains(SiteInput.CROSS_ATTENTION);
                boolean expected = f.name().equals("vilt") || f.name().equals("blip") && site == Site.FUSION;
                assertEquals(expected, cross, f.name() + " " + site);
                assertEquals(f.sites().contains(site), !f.siteInputs(site).isEmpty(), f.name() + " " + site);
            }
        }
    }

    @Test
    void namesAreUnique() {
        List<String> names = ModelFamilies.all().stream().map(ModelFamily::name).toList();
        assertEquals(names.size(), names.stream().distinct().count(), names.toString());
        assertTrue(names.containsAll(List.of("clip", "blip", "vilt", "vit", "bert")), names.toString());
    }
}
