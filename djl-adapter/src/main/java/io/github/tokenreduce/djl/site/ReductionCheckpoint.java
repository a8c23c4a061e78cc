package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.ModelValues;
import io.github.tokenreduce.djl.weights.Safetensors;
import io.github.tokenreduce.djl.weights.torch.TorchCheckpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Learned reduction parameters, read from the methods' own released checkpoints (PyTorch
 * {@code .pth}, as saved, nested {@code {"model": ..., ...}} included) or from a safetensors file:
 * <ul>
 *   <li>CrossGET's per-layer cross-token offsets: {@code visual.transformer.cross_image}
 *       [1, L_v, C_v] and {@code transformer.cross_text} [1, L_t, C_t] in the authors' CLIP
 *       (sdc17/CrossGET {@code CLIP/clip/model.py}), or any name ending in {@code cross_image} /
 *       {@code cross_text} ([L, C] too);
 *   <li>MADTP's shared alignment dictionary: {@code space_dict} [M, C] in the authors' models
 *       (double125/MADTP {@code models/blip_retrieval.py}), also {@code madtp.dictionary};
 *   <li>MADTP's temperature T: the checkpoint's top-level {@code "temperature"} value (a float,
 *       as {@code compress_retrieval_dtp.py} saves it), also a {@code madtp.temperature} tensor.
 * </ul>
 * Parameters land on the given manager; the shapes are checked when attached to a model.
 */
public final class ReductionCheckpoint {

    private final Map<String, NDArray> tensors;
    private final Map<String, Object> values;

    private ReductionCheckpoint(Map<String, NDArray> tensors, Map<String, Object> values) {
        this.tensors = tensors;
        this.values = values;
    }

    /** Reads {@code file} (a PyTorch checkpoint or safetensors, by content) onto {@code manager}'s device. */
    public static ReductionCheckpoint load(Path file, NDManager manager) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        if (TorchCheckpoint.sniff(head)) {
            TorchCheckpoint ckpt = TorchCheckpoint.read(file);
            return new ReductionCheckpoint(ckpt.tensors(manager, manager.getDevice()), ckpt.values());
        }
        return new ReductionCheckpoint(Safetensors.load(file, manager, manager.getDevice()), Map.of());
    }

    /** CrossGET offsets for {@code site} as [L, C] (VISION_BLOCKS: {@code cross_image}, else {@code cross_text}). */
    public Optional<NDArray> crossOffsets(Site site) {
        return find(site == Site.VISION_BLOCKS ? "cross_image" : "cross_text")
                .map(t -> t.getShape().dimension() == 3 ? t.squeeze(0) : t);
    }

    /**
     * What this checkpoint holds for a method at {@code site}, to fill in with
     * {@link io.github.tokenreduce.core.TokenReducer#withModelValues}: its cross-token offsets and its
     * MADTP dictionary, where present.
     */
    public ModelValues modelValues(Site site) {
        Optional<NDArray> dictionary = madtpDictionary();
        return new ModelValues(crossOffsets(site).orElse(null), dictionary.isPresent() ? dictionary::get : null);
    }

    /** MADTP's dictionary [M, C]. */
    public Optional<NDArray> madtpDictionary() {
        return find("madtp.dictionary").or(() -> find("space_dict"));
    }

    /** MADTP's temperature. */
    public Optional<Float> madtpTemperature() {
        Optional<Float> t = find("madtp.temperature").map(a -> a.toFloatArray()[0]);
        if (t.isPresent()) {
            return t;
        }
        Object v = values.get("temperature");
        return v instanceof Number n ? Optional.of(n.floatValue()) : Optional.empty();
    }

    private Optional<NDArray> find(String name) {
        if (tensors.containsKey(name)) {
            return Optional.of(tensors.get(name));
        }
        return tensors.entrySet().stream().filter(e -> e.getKey().endsWith("." + name)).map(Map.Entry::getValue)
                .findFirst();
    }
}
