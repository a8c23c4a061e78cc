/**
 * How things are timed and counted: interleaved rounds, speed-up ratios with their spread, process
 * statistics (peak RSS, page faults) and analytic FLOP counts.
 *
 * <p>Uses only the JDK (process statistics read {@code /proc}): no model, no workload, no report. See
 * docs/performance.md.
 */
package io.github.tokenreduce.cli.measure;
