package io.github.tokenreduce.e2e;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One case of {@code shared/fixtures/clip-crossget}: a case folder, one weight naming in it, and one
 * entry of its {@code fixture.json} (name, reduce, rv, rl, token counts).
 */
record ClipCrossGetCase(Path dir, Path weights, JsonObject spec) {

    /** Every case of every folder and weight naming. */
    static List<ClipCrossGetCase> all() {
        List<ClipCrossGetCase> out = new ArrayList<>();
        for (Path dir : Fixtures.cases("clip-crossget")) {
            JsonObject fixture = Fixtures.json(dir.resolve("fixture.json"));
            for (Path weights : Fixtures.weights(dir)) {
                for (JsonElement c : fixture.getAsJsonArray("cases")) {
                    out.add(new ClipCrossGetCase(dir, weights, c.getAsJsonObject()));
                }
            }
        }
        return out;
    }

    String name() {
        return spec.get("name").getAsString();
    }

    /** Whether the case runs a reducer ({@code reduce} other than {@code none}). */
    boolean reduces() {
        return !"none".equals(spec.get("reduce").getAsString());
    }

    /** {@code folder/naming/case}. */
    String id() {
        return dir.getFileName() + "/" + weights.getFileName() + "/" + name();
    }
}
