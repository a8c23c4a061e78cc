package io.github.tokenreduce.cli;

import com.google.gson.JsonObject;
import io.github.tokenreduce.core.spec.ReducerSpec;

import java.util.List;

/**
 * Which reductions {@code tokenreduce export} can write as one ONNX graph, checked before anything is
 * traced or written: ToMe, CrossGET or MADTP with a count fixed per layer (a constant r, one r per layer,
 * or a keep ratio), and MADTP's learned threshold with a keep cap (its counts computed in the graph).
 * What is decided per sample in Java (MADTP's learned threshold without a cap; PuMer) and schedules the
 * model cannot hold are refused with what was asked, what was seen and what is supported.
 */
final class ExportableReduction {

    /** Methods the traced graph expresses, with a schedule that is not dynamic. */
    static final List<String> METHODS = List.of("tome", "crossget", "madtp");

    private static final String SUPPORTED = "export supports tome, crossget and madtp with a count fixed per layer: "
            + "a constant r (--method, --level), or one r per layer or a keep ratio (a perLayer or keepRatio schedule "
            + "in --spec), and madtp's learned threshold with a keep cap (a dynamic schedule and keepCap in --spec)";

    private ExportableReduction() {}

    /** Throws {@link IllegalArgumentException} unless {@code spec} can be exported on a model of {@code layers} blocks. */
    static void check(ReducerSpec spec, int layers) {
        String asked = "reduction " + spec.toJson();
        if (!METHODS.contains(spec.method())) {
            String why = spec.method().equals("pumer")
                    ? "PuMer decides its counts per sample and needs text-to-image attention, which an image classifier "
                            + "graph does not have"
                    : "the method '" + spec.method() + "' has no ONNX form";
            throw new IllegalArgumentException(asked + ": " + why + "; " + SUPPORTED);
        }
        JsonObject s = spec.schedule().toJson();
        String type = s.get("type").getAsString();
        if (spec.schedule().isDynamic() && spec.keepCap() == 0) {
            throw new IllegalArgumentException(asked + ": a " + type + " schedule lets " + spec.method() + " decide "
                    + "how many tokens each image keeps from the data (per sample) in Java, but the graph fixes each "
                    + "layer's count unless a keep cap fixes its width; " + SUPPORTED);
        }
        if (type.equals("perLayer") && s.getAsJsonArray("r").size() > layers) {
            throw new IllegalArgumentException(asked + ": the schedule gives r for " + s.getAsJsonArray("r").size()
                    + " layers but the model has " + layers + " blocks; give at most " + layers + " values");
        }
        if (type.equals("keepRatio") && s.has("fromLayer") && s.get("fromLayer").getAsInt() >= layers) {
            throw new IllegalArgumentException(asked + ": the schedule starts at layer " + s.get("fromLayer").getAsInt()
                    + " (0-based) but the model has " + layers + " blocks, so nothing would be reduced; use a "
                    + "fromLayer below " + layers);
        }
    }
}
