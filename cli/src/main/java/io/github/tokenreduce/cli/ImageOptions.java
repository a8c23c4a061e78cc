package io.github.tokenreduce.cli;

import io.github.tokenreduce.cli.workload.BenchImages;
import picocli.CommandLine.Option;

/** The {@code --images} option of {@code bench} and {@code calibrate}: what an image model is fed. */
public final class ImageOptions {

    @Option(names = "--images", defaultValue = "scenes", paramLabel = "KIND",
            description = "Images for an image model: scenes (synthetic dead-leaves scenes with natural images' "
                    + "statistics) or noise (random normal pixels, the worst case for merging); default ${DEFAULT-VALUE}.")
    BenchImages images;
}
