package io.github.tokenreduce.core;

import ai.djl.util.JsonUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import java.util.Arrays;

/**
 * How many tokens a method removes at each layer.
 *
 * <ul>
 *   <li>{@link #constant(int)}: the same r every layer (ToMe's default, CrossGET's rv/rl);
 *   <li>{@link #perLayer(int...)}: one r per layer, 0 beyond the list;
 *   <li>{@link #inflection(int, double, int)}: ToMe's {@code (r, inflection)} pair, expanded
 *       linearly ({@code (r, -1)} is the paper's decreasing schedule);
 *   <li>{@link #keepRatio(double, int)}: keep a fraction of the current tokens each layer, with a
 *       floor below which a sequence is left whole;
 *   <li>{@link #dynamic(int...)}: the method decides per sample (MADTP's learned threshold,
 *       PuMer's ratios), at the given layers or every layer.
 * </ul>
 * Methods clamp r to what one step can remove; the clamp is visible in {@link MergePlan#applied()}.
 * A schedule is a value: {@link #toJson()} and {@link #fromJson(String)} round-trip it, so a
 * calibrated schedule can be stored in a file and loaded again.
 */
public abstract class Schedule {

    private final JsonObject spec;

    private Schedule(JsonObject spec) {
        this.spec = spec;
    }

    /** Tokens to remove at {@code layer} from {@code tokens} tokens; 0 means inactive. */
    public abstract int removals(int layer, int tokens);

    /** Whether the method decides the count itself at this layer. */
    public boolean isDynamic() {
        return false;
    }

    /** Whether the count depends on the sequence's token count ({@link #keepRatio}), not only on the layer. */
    public boolean countsTokens() {
        return false;
    }

    /** Whether anything happens at {@code layer} for a set of {@code tokens} tokens. */
    public boolean activeAt(int layer) {
        return removals(layer, Integer.MAX_VALUE / 2) > 0;
    }

    /** This schedule as JSON, e.g. {@code {"type":"perLayer","r":[8,8,4]}}. */
    public JsonObject toJson() {
        return spec.deepCopy();
    }

    @Override
    public String toString() {
        return spec.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schedule s && spec.equals(s.spec);
    }

    @Override
    public int hashCode() {
        return spec.hashCode();
    }

    /** No reduction. */
    public static Schedule none() {
        return constant(0);
    }

    /** Removes {@code r} tokens at every layer. */
    public static Schedule constant(int r) {
        if (r < 0) {
            throw new IllegalArgumentException("r: must be >= 0 but was " + r);
        }
        JsonObject j = type("constant");
        j.addProperty("r", r);
        return new Schedule(j) {
            @Override
            public int removals(int layer, int tokens) {
                return r;
            }
        };
    }

    /** One r per layer; layers beyond the list remove nothing. */
    public static Schedule perLayer(int... r) {
        int[] copy = r.clone();
        JsonArray arr = new JsonArray();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] < 0) {
                throw new IllegalArgumentException("r[" + i + "]: must be >= 0 but was " + copy[i]
                        + " in " + Arrays.toString(copy));
            }
            arr.add(copy[i]);
        }
        JsonObject j = type("perLayer");
        j.add("r", arr);
        return new Schedule(j) {
            @Override
            public int removals(int layer, int tokens) {
                return layer >= 0 && layer < copy.length ? copy[layer] : 0;
            }
        };
    }

    /**
     * ToMe's {@code parse_r} for an {@code (r, inflection)} pair over {@code layers} layers:
     * {@code lo = int(r(1 - inflection))}, {@code hi = 2r - lo}, linear from lo to hi (truncated).
     */
    public static Schedule inflection(int r, double inflection, int layers) {
        if (r < 0) {
            throw new IllegalArgumentException("r: must be >= 0 but was " + r);
        }
        if (layers < 1) {
            throw new IllegalArgumentException("layers: must be >= 1 but was " + layers);
        }
        if (!(inflection >= -1 && inflection <= 1)) {
            throw new IllegalArgumentException("inflection: must be in [-1, 1] but was " + inflection);
        }
        int lo = (int) (r * (1.0 - inflection));
        int hi = 2 * r - lo;
        double step = layers == 1 ? 0 : (hi - lo) / (double) (layers - 1);
        int[] out = new int[layers];
        for (int i = 0; i < layers; i++) {
            out[i] = (int) (lo + step * i);
        }
        return perLayer(out);
    }

    /** Keeps {@code round(keep · N)} of the current N tokens at every layer. */
    public static Schedule keepRatio(double keep) {
        return keepRatio(keep, 0);
    }

    /**
     * Keeps {@code round(keep · N)} of the current N tokens at every layer, but never fewer than
     * {@code minTokens}: sequences of at most {@code minTokens} tokens are left whole (a short
     * sentence has little to spare and little to gain), longer ones shrink towards it.
     */
    public static Schedule keepRatio(double keep, int minTokens) {
        return keepRatio(keep, minTokens, 0);
    }

    /**
     * {@link #keepRatio(double, int)} from layer {@code fromLayer} on (0-based); earlier layers keep
     * every token, so the model builds its contextual representations before anything is merged.
     */
    public static Schedule keepRatio(double keep, int minTokens, int fromLayer) {
        if (!(keep > 0 && keep <= 1)) {
            throw new IllegalArgumentException("keep: must be in (0, 1] but was " + keep);
        }
        if (minTokens < 0) {
            throw new IllegalArgumentException("minTokens: must be >= 0 but was " + minTokens);
        }
        if (fromLayer < 0) {
            throw new IllegalArgumentException("fromLayer: must be >= 0 but was " + fromLayer);
        }
        JsonObject j = type("keepRatio");
        j.addProperty("keep", keep);
        j.addProperty("minTokens", minTokens);
        if (fromLayer > 0) {
            j.addProperty("fromLayer", fromLayer);
        }
        return new Schedule(j) {
            @Override
            public int removals(int layer, int tokens) {
                return layer < fromLayer ? 0 : Math.max(tokens - Math.max((int) Math.round(keep * tokens), minTokens), 0);
            }

            @Override
            public boolean activeAt(int layer) {
                return keep < 1 && layer >= fromLayer;
            }

            @Override
            public boolean countsTokens() {
                return true;
            }
        };
    }

    /** The method decides, at the listed layers (every layer when none are listed). */
    public static Schedule dynamic(int... layers) {
        int[] copy = layers.clone();
        JsonArray arr = new JsonArray();
        for (int l : copy) {
            if (l < 0) {
                throw new IllegalArgumentException("layers: must be >= 0 but got " + Arrays.toString(copy));
            }
            arr.add(l);
        }
        JsonObject j = type("dynamic");
        j.add("layers", arr);
        return new Schedule(j) {
            @Override
            public int removals(int layer, int tokens) {
                return activeAt(layer) ? -1 : 0;
            }

            @Override
            public boolean isDynamic() {
                return true;
            }

            @Override
            public boolean activeAt(int layer) {
                return copy.length == 0 || Arrays.stream(copy).anyMatch(l -> l == layer);
            }
        };
    }

    /** Parses {@link #toJson()}'s form; a malformed schedule is an error naming what is wrong. */
    public static Schedule fromJson(String json) {
        JsonElement e;
        try {
            e = JsonUtils.GSON.fromJson(json, JsonElement.class);
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException("schedule: not valid JSON: " + ex.getMessage(), ex);
        }
        if (e == null || !e.isJsonObject()) {
            throw new IllegalArgumentException("schedule: expected a JSON object like {\"type\":\"constant\",\"r\":16}, got "
                    + json);
        }
        return fromJson(e.getAsJsonObject());
    }

    /** Parses {@link #toJson()}'s form. */
    public static Schedule fromJson(JsonObject j) {
        String type = string(j, "type");
        try {
            return switch (type) {
                case "constant" -> constant(j.get("r").getAsInt());
                case "perLayer" -> perLayer(ints(j, "r"));
                case "keepRatio" -> keepRatio(j.get("keep").getAsDouble(),
                        j.has("minTokens") ? j.get("minTokens").getAsInt() : 0,
                        j.has("fromLayer") ? j.get("fromLayer").getAsInt() : 0);
                case "dynamic" -> dynamic(j.has("layers") ? ints(j, "layers") : new int[0]);
                default -> throw new IllegalArgumentException("schedule: unknown type '" + type
                        + "'; expected constant, perLayer, keepRatio or dynamic");
            };
        } catch (NullPointerException | ClassCastException | IllegalStateException | UnsupportedOperationException
                | NumberFormatException ex) {
            throw new IllegalArgumentException("schedule: malformed " + type + " schedule " + j
                    + " (constant needs an int r; perLayer an int array r; keepRatio a number keep, an int minTokens and optionally an int fromLayer; "
                    + "dynamic an int array layers)", ex);
        }
    }

    private static JsonObject type(String t) {
        JsonObject j = new JsonObject();
        j.addProperty("type", t);
        return j;
    }

    private static String string(JsonObject j, String key) {
        if (!j.has(key) || !j.get(key).isJsonPrimitive()) {
            throw new IllegalArgumentException("schedule: no \"" + key + "\" in " + j);
        }
        return j.get(key).getAsString();
    }

    private static int[] ints(JsonObject j, String key) {
        JsonArray a = j.getAsJsonArray(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }
}
