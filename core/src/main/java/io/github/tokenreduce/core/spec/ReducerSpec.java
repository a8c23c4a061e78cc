package io.github.tokenreduce.core.spec;

import ai.djl.util.JsonUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A method and its schedule as a value that can be stored, e.g. the file {@code tokenreduce
 * calibrate} writes:
 * <pre>{"method":"crossget","schedule":{"type":"keepRatio","keep":0.8,"minTokens":64},
 *  "proportionalAttention":false}</pre>
 * {@link #reducer()} builds the configured {@link TokenReducer}. Methods: {@code tome},
 * {@code crossget}, {@code madtp} (with {@code temperature} for a dynamic schedule, and {@code keepCap}
 * to compute its counts in an exported graph, {@link MadtpReducer.Builder#keepCap}), {@code pumer}
 * (its ratios; its schedule names the layers).
 *
 * @param method the method's name
 * @param schedule its schedule
 * @param proportionalAttention whether later attention adds log(size) (ToMe, CrossGET)
 * @param temperature MADTP's temperature T (ignored by the others)
 * @param keepCap MADTP's keep cap (0: none; the others take none)
 */
public record ReducerSpec(String method, Schedule schedule, boolean proportionalAttention, float temperature,
        int keepCap) {

    public ReducerSpec {
        if (method == null || schedule == null) {
            throw new IllegalArgumentException("spec: method and schedule are required");
        }
        method = method.toLowerCase(Locale.ROOT);
        if (keepCap < 0 || keepCap > 0 && !method.equals("madtp")) {
            throw new IllegalArgumentException("spec: keepCap " + keepCap + " for " + method
                    + "; expected 0, or a cap >= 1 for madtp");
        }
        reducer(method, schedule, proportionalAttention, temperature, keepCap); // validates
    }

    /** A spec without a keep cap. */
    public ReducerSpec(String method, Schedule schedule, boolean proportionalAttention, float temperature) {
        this(method, schedule, proportionalAttention, temperature, 0);
    }

    /** The configured method. */
    public TokenReducer reducer() {
        return reducer(method, schedule, proportionalAttention, temperature, keepCap);
    }

    private static TokenReducer reducer(String method, Schedule schedule, boolean prop, float temperature, int cap) {
        return switch (method) {
            case "tome" -> ToMeReducer.builder().schedule(schedule).proportionalAttention(prop).build();
            case "crossget" -> CrossGetReducer.builder().schedule(schedule).proportionalAttention(prop).build();
            case "madtp" -> {
                MadtpReducer.Builder b = MadtpReducer.builder().schedule(schedule).temperature(temperature);
                yield (cap > 0 ? b.keepCap(cap) : b).build();
            }
            case "pumer" -> {
                if (!schedule.isDynamic()) {
                    throw new IllegalArgumentException("spec: PuMer takes a dynamic schedule naming its layers, got "
                            + schedule);
                }
                yield PumerReducer.builder().layers(schedule.toJson().getAsJsonArray("layers").asList().stream()
                        .mapToInt(JsonElement::getAsInt).toArray()).build();
            }
            default -> throw new IllegalArgumentException("spec: unknown method '" + method
                    + "'; expected tome, crossget, madtp or pumer");
        };
    }

    /** This spec as JSON. */
    public JsonObject toJson() {
        JsonObject j = new JsonObject();
        j.addProperty("method", method);
        j.add("schedule", schedule.toJson());
        j.addProperty("proportionalAttention", proportionalAttention);
        if (method.equals("madtp")) {
            j.addProperty("temperature", temperature);
            if (keepCap > 0) {
                j.addProperty("keepCap", keepCap);
            }
        }
        return j;
    }

    /** Parses {@link #toJson()}'s form. */
    public static ReducerSpec fromJson(String json) {
        JsonElement e;
        try {
            e = JsonUtils.GSON.fromJson(json, JsonElement.class);
        } catch (JsonParseException ex) {
            throw new IllegalArgumentException("spec: not valid JSON: " + ex.getMessage(), ex);
        }
        if (e == null || !e.isJsonObject() || !e.getAsJsonObject().has("method")
                || !e.getAsJsonObject().has("schedule") || !e.getAsJsonObject().get("schedule").isJsonObject()) {
            throw new IllegalArgumentException("spec: expected {\"method\": ..., \"schedule\": {...}}, got " + json);
        }
        JsonObject j = e.getAsJsonObject();
        return new ReducerSpec(j.get("method").getAsString(), Schedule.fromJson(j.getAsJsonObject("schedule")),
                !j.has("proportionalAttention") || j.get("proportionalAttention").getAsBoolean(),
                j.has("temperature") ? j.get("temperature").getAsFloat() : 1f, keepCap(j));
    }

    /** The optional {@code keepCap}: a whole number, 0 when absent. */
    private static int keepCap(JsonObject j) {
        if (!j.has("keepCap")) {
            return 0;
        }
        JsonElement v = j.get("keepCap");
        try {
            double d = v.getAsDouble();
            if (d == Math.rint(d) && d >= 0 && d <= Integer.MAX_VALUE) {
                return (int) d;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new IllegalArgumentException("spec: keepCap must be a whole number >= 0, got " + v);
    }

    /** The largest spec file read (a spec is a few hundred bytes; a per-layer schedule a few KB). */
    static final long MAX_FILE_BYTES = 1 << 20;

    /** Reads a spec file (at most 1 MiB). */
    public static ReducerSpec read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IllegalArgumentException("spec: " + file + " is " + size + " bytes; a spec file is at most "
                    + MAX_FILE_BYTES + " bytes");
        }
        return fromJson(Files.readString(file));
    }

    /** Writes this spec to {@code file}. */
    public void write(Path file) throws IOException {
        Files.writeString(file, JsonUtils.GSON_PRETTY.toJson(toJson()) + "\n");
    }
}
