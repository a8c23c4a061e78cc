/**
 * DJL-native entry points: wrapping a model the user already loaded ({@link
 * io.github.tokenreduce.djl.zoo.DjlModels}, the family recognised from parameter names by {@link
 * io.github.tokenreduce.djl.family.ModelFamilies}) and serving every family through {@code Criteria} with
 * {@code TranslatorFactory}s whose {@code reduction} and {@code precision} arguments attach a method
 * (and whose {@code engine} argument runs an image model's exported graph on ONNX Runtime).
 *
 * <p>May use {@code core}, every model package of {@code djl} (and {@code djl.family}'s ONNX Runtime runner), {@code djl.defaults}, DJL (api and the
 * PyTorch engine) and Gson. Nothing in the model packages may use this one. See docs/models.md, "From DJL".
 */
package io.github.tokenreduce.djl.zoo;
