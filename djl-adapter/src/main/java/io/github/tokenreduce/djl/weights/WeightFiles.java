package io.github.tokenreduce.djl.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.github.tokenreduce.djl.weights.torch.TorchCheckpoint;
import io.github.tokenreduce.djl.weights.torch.TorchScriptArchive;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The one entry point for model weights: a directory or a file holding {@code .safetensors},
 * sharded safetensors ({@code model.safetensors.index.json}), or a PyTorch checkpoint
 * ({@code .bin}, {@code .pth}, {@code .pt}: zip or legacy {@code torch.save}), or a TorchScript archive
 * ({@code torch.jit.save}, OpenAI's CLIP releases: its parameters read through the PyTorch engine,
 * {@link TorchScriptArchive}, its code never run). The format is chosen
 * by content, not by extension. A training checkpoint ({@code {"model": state_dict, "epoch": ...}})
 * yields its state dict; its plain values (epoch, config, a MADTP temperature) come along in
 * {@link Loaded#values()}.
 *
 * <p>In a directory the first present of {@code model.safetensors},
 * {@code model.safetensors.index.json}, {@code open_clip_model.safetensors},
 * {@code pytorch_model.bin}, {@code pytorch_model.bin.index.json},
 * {@code open_clip_pytorch_model.bin} is read, else the directory's only weights file.
 */
public final class WeightFiles {

    private static final String[] PREFERRED = {"model.safetensors", "model.safetensors.index.json",
        "open_clip_model.safetensors", "pytorch_model.bin", "pytorch_model.bin.index.json",
        "open_clip_pytorch_model.bin"};

    private WeightFiles() {}

    /**
     * Tensors and plain values of one model.
     *
     * @param source the file read (the index for sharded weights)
     * @param tensors by name, file order
     * @param values a PyTorch checkpoint's non-tensor entries by dotted path (empty otherwise)
     */
    public record Loaded(Path source, Map<String, NDArray> tensors, Map<String, Object> values) {}

    /** Loads the weights at {@code path} (a directory or file) onto {@code device}. */
    public static Loaded load(Path path, NDManager manager, Device device) throws IOException {
        Path file = locate(path);
        byte[] head = head(file);
        boolean json = file.getFileName().toString().endsWith(".json");
        if (!json && head.length >= 9 && head[8] == '{') { // an 8-byte header length, then the JSON header
            return new Loaded(file, Safetensors.load(file, manager, device), Map.of());
        }
        if (!json && TorchScriptArchive.isArchive(file)) {
            return new Loaded(file, TorchScriptArchive.load(file, manager, device), Map.of());
        }
        if (!json && TorchCheckpoint.sniff(head)) {
            TorchCheckpoint ckpt = TorchCheckpoint.read(file);
            return new Loaded(file, ckpt.stateDict(manager, device), ckpt.values());
        }
        if (json || head.length > 0 && head[0] == '{') {
            return sharded(file, manager, device);
        }
        // no zip or pickle signature: read it as safetensors, whose errors say what does not fit
        return new Loaded(file, Safetensors.load(file, manager, device), Map.of());
    }

    /** The weights file {@link #load} would read for {@code path}. */
    public static Path locate(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("weights: " + path + " does not exist");
        }
        if (!Files.isDirectory(path)) {
            return path;
        }
        for (String name : PREFERRED) {
            if (Files.isRegularFile(path.resolve(name))) {
                return path.resolve(name);
            }
        }
        List<Path> candidates;
        try (Stream<Path> s = Files.list(path)) {
            candidates = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".pth") || n.endsWith(".pt");
            }).sorted().toList();
        }
        if (candidates.size() != 1) {
            throw new IllegalArgumentException("weights: " + path + " holds " + (candidates.isEmpty() ? "no weights file"
                    : "several weights files " + candidates) + "; expected one of " + List.of(PREFERRED)
                    + " or a single .safetensors/.bin/.pth/.pt file");
        }
        return candidates.get(0);
    }

    private static Loaded sharded(Path index, NDManager manager, Device device) throws IOException {
        JsonObject json;
        try (Reader r = Files.newBufferedReader(index)) {
            json = JsonUtils.GSON.fromJson(r, JsonObject.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("weights: " + index + " is not valid JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.has("weight_map") || !json.get("weight_map").isJsonObject()) {
            throw new IllegalArgumentException("weights: " + index + " has no \"weight_map\" object");
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("weight_map").entrySet()) {
            String shard = e.getValue().getAsString();
            if (!shard.matches("[A-Za-z0-9._-]+") || shard.startsWith(".")) {
                throw new IllegalArgumentException("weights: " + index + " names shard '" + shard
                        + "', which is not a plain file name in its directory");
            }
            wanted.put(e.getKey(), shard);
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        Map<String, Object> values = new LinkedHashMap<>();
        for (String shard : new TreeSet<>(wanted.values())) {
            Loaded part = load(index.resolveSibling(shard), manager, device);
            out.putAll(part.tensors());
            values.putAll(part.values());
        }
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            if (!out.containsKey(e.getKey())) {
                missing.add(e.getKey() + " (in " + e.getValue() + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new WeightMismatchException(index.toString(), List.of("the index lists tensors its shards lack: "
                    + missing.subList(0, Math.min(10, missing.size()))));
        }
        return new Loaded(index, out, values);
    }

    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(16);
        }
    }
}
