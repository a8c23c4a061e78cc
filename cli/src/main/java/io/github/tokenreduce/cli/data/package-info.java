/**
 * Readers for the evaluation data sets: Cranfield, STS-B and SICK pairs, labelled passages (JSON
 * Lines). Bounded; clear errors name the file and line.
 *
 * <p>May use the JDK, Gson and commons-csv; no model.
 */
package io.github.tokenreduce.cli.data;
