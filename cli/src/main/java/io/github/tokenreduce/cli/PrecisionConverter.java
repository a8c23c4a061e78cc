package io.github.tokenreduce.cli;

import ai.djl.Device;
import io.github.tokenreduce.djl.nn.Precision;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

/** picocli converter for {@code --precision(s)} values ({@link Precision#parse}). */
final class PrecisionConverter implements CommandLine.ITypeConverter<Precision> {

    @Override
    public Precision convert(String value) {
        return Precision.parse(value);
    }

    /** The distinct precisions that will actually run on {@code device} (auto and unsupported ones resolved), float32 first. */
    static List<Precision> resolved(List<Precision> requested, Device device) {
        List<Precision> out = new ArrayList<>(List.of(Precision.FP32));
        for (Precision p : requested) {
            Precision r = p.resolve(device);
            if (!out.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }
}
