package io.github.tokenreduce.e2e;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitLoader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One case of {@code shared/fixtures/vit-tome}: a case folder, one weight naming in it, and one
 * entry of its {@code fixture.json}, with the geometry the tensors cannot tell.
 */
record VitTomeCase(Path dir, Path weights, VitLoader.Overrides overrides, JsonObject geometry, JsonObject spec) {

    /** Every case of every folder and weight naming. */
    static List<VitTomeCase> all() {
        List<VitTomeCase> out = new ArrayList<>();
        for (Path dir : Fixtures.cases("vit-tome")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            JsonObject geometry = fixture.getAsJsonObject("geometry");
            VitLoader.Overrides overrides = new VitLoader.Overrides(geometry.get("heads").getAsInt(),
                    geometry.get("layer_norm_eps").getAsFloat());
            for (Path weights : Fixtures.weights(dir)) {
                for (JsonElement c : fixture.getAsJsonArray("cases")) {
                    out.add(new VitTomeCase(dir, weights, overrides, geometry, c.getAsJsonObject()));
                }
            }
        }
        return out;
    }

    String name() {
        return spec.get("name").getAsString();
    }

    /** {@code folder/naming/case}. */
    String id() {
        return dir.getFileName() + "/" + weights.getFileName() + "/" + name();
    }

    /** The project's ToMe configured from the case: its r or (r, inflection) schedule and proportional attention. */
    TowerReduction tome(int layers, boolean proportional) {
        return TowerReduction.of(ToMeReducer.builder().schedule(Fixtures.tomeSchedule(spec.get("r"), layers))
                .proportionalAttention(proportional).build());
    }
}
