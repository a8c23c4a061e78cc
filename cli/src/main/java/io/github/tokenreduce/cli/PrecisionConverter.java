package io.github.tokenreduce.cli;

import io.github.tokenreduce.djl.nn.Precision;
import picocli.CommandLine;

/** picocli converter for {@code --precision(s)} values ({@link Precision#parse}). */
final class PrecisionConverter implements CommandLine.ITypeConverter<Precision> {

    @Override
    public Precision convert(String value) {
        return Precision.parse(value);
    }
}
