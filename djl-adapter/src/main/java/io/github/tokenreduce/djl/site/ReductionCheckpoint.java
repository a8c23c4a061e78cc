package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.weights.Safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Learned reduction parameters stored beside a model, in a safetensors file:
 * <ul>
 *   <li>{@code cross_image} [L_v, C_v], {@code cross_text} [L_t, C_t]: CrossGET's per-layer cross-token
 *       offsets (§1.1); a name ending in {@code .cross_image} / {@code .cross_text} also matches, so a
 *       full CrossGET state dict converted to safetensors works;
 *   <li>{@code madtp.dictionary} [M, C]: MADTP's shared alignment dictionary (§2.1);
 *       {@code madtp.temperature} (scalar): its learned threshold temperature T (§2.5).
 * </ul>
 * Parameters stay on the given manager; the shapes are checked when attached to a model.
 */
public final class ReductionCheckpoint {

    private final Map<String, NDArray> tensors;

    private ReductionCheckpoint(Map<String, NDArray> tensors) {
        this.tensors = tensors;
    }

    /** Reads {@code file} onto {@code manager}'s device. */
    public static ReductionCheckpoint load(Path file, NDManager manager) throws IOException {
        return new ReductionCheckpoint(Safetensors.load(file, manager, manager.getDevice()));
    }

    /** CrossGET offsets for {@code tower} (VISION: {@code cross_image}, TEXT: {@code cross_text}). */
    public Optional<NDArray> crossOffsets(Tower tower) {
        return find(tower == Tower.VISION ? "cross_image" : "cross_text");
    }

    /** MADTP's dictionary. */
    public Optional<NDArray> madtpDictionary() {
        return find("madtp.dictionary");
    }

    /** MADTP's temperature. */
    public Optional<Float> madtpTemperature() {
        return find("madtp.temperature").map(t -> t.toFloatArray()[0]);
    }

    private Optional<NDArray> find(String name) {
        if (tensors.containsKey(name)) {
            return Optional.of(tensors.get(name));
        }
        return tensors.entrySet().stream().filter(e -> e.getKey().endsWith("." + name)).map(Map.Entry::getValue)
                .findFirst();
    }

}
