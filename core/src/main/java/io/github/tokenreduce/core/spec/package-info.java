/**
 * A method and its schedule as a stored value ({@link io.github.tokenreduce.core.spec.ReducerSpec},
 * the JSON {@code tokenreduce calibrate} writes).
 *
 * <p>The one core package that names every method: it may use the root {@code core} package, the
 * four method packages and Gson; nothing in {@code core} depends on it.
 */
package io.github.tokenreduce.core.spec;
