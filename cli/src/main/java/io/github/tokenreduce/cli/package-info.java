/**
 * The {@code tokenreduce} command: {@code bench}, {@code eval}, {@code calibrate} and {@code embed}
 * (picocli), with their shared options and argument parsing.
 *
 * <p>May use every {@code cli.*} package, {@code core}, {@code core.spec}, the {@code djl} packages,
 * Gson, picocli and progressbar. Nothing in the library depends on it. See docs/cli.md.
 */
package io.github.tokenreduce.cli;
