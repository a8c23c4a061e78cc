/**
 * Image decoding and bicubic resizing as the reference preprocessors do them.
 *
 * <p>Uses only the JDK ({@code javax.imageio}); no model and no tensor library.
 */
package io.github.tokenreduce.djl.image;
