/**
 * Writing results: the bench report (Markdown, JSON, charts), generated sections of a Markdown page,
 * {@code .npy} files and the run stamp (date, CPU, options) beside every figure.
 *
 * <p>May use {@code cli.workload} (the results it writes), {@code cli.measure}, {@code djl.nn} (CPU
 * name, precisions), DJL, Gson and XChart.
 */
package io.github.tokenreduce.cli.report;
