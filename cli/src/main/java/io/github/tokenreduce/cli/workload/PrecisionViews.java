package io.github.tokenreduce.cli.workload;

import io.github.tokenreduce.djl.nn.Precision;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One view of a model per precision, prepared on first use and reused by every configuration at that
 * precision (preparing casts or packs every weight, so it is done once, not per method and level).
 */
final class PrecisionViews<M> {

    private final Map<Precision, M> views = new EnumMap<>(Precision.class);
    private final Function<Precision, M> prepare;

    PrecisionViews(M fp32, Function<Precision, M> prepare) {
        this.prepare = prepare;
        views.put(Precision.FP32, fp32);
    }

    synchronized M get(Precision precision) {
        return views.computeIfAbsent(precision, prepare);
    }
}
