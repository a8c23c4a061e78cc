package io.github.tokenreduce.djl.zoo;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.translate.TranslateException;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.export.TemporaryGraph;
import io.github.tokenreduce.djl.family.OnnxRuntimeImages;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.weights.ModelFiles;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * What our translator factories serve for a DJL model {@code Criteria} loaded: its TorchScript
 * module's parameters wrapped (no copy), or, behind a {@link ReducibleBlock#pending()} placeholder,
 * the weights at the model path loaded onto the model's manager. Either way the result is freed
 * with the {@code ZooModel}.
 */
final class ServedModels {

    private ServedModels() {}

    /** Our model for {@code model}, which must be of type {@code type} ({@code task} names the factory for errors). */
    static <T> T stateDict(Model model, Class<T> type, String task) throws TranslateException {
        return served(model, type, task).model();
    }

    /**
     * Our model and the manager its weights are on: a fresh sub-manager of the model's behind a pending
     * placeholder, so that {@link Served#free()} can let them go once an exported graph serves instead;
     * null for a TorchScript module's parameters, which the module owns.
     */
    record Served<T>(T model, NDManager weights) {

        /** Frees the loaded weights (the model's config stays readable; its forward no longer runs). */
        void free() {
            if (weights != null) {
                weights.close();
            }
        }
    }

    /** As {@link #stateDict}, with the manager the weights were loaded on. */
    static <T> Served<T> served(Model model, Class<T> type, String task) throws TranslateException {
        WrappedModel w;
        NDManager weights = null;
        try {
            if (model.getBlock() instanceof PtSymbolBlock) {
                w = DjlModels.wrap(model);
            } else {
                Path path = pendingPath(model, task);
                weights = model.getNDManager().newSubManager();
                WeightFiles.Loaded files = WeightFiles.load(path, weights, weights.getDevice());
                w = DjlModels.wrap(files.tensors(), ModelFiles.config(path), weights, files.source().toString());
            }
        } catch (IOException e) {
            if (weights != null) {
                weights.close();
            }
            throw new TranslateException(task + ": cannot read the model at " + model.getModelPath() + ": " + e.getMessage(), e);
        }
        if (!type.isInstance(w.model())) {
            if (weights != null) {
                weights.close();
            }
            throw new IllegalArgumentException(task + ": the model at " + model.getModelPath() + " was recognised as "
                    + w.family().name() + ", but this factory serves " + type.getSimpleName() + " models");
        }
        return new Served<>(type.cast(w.model()), weights);
    }

    /**
     * The model path behind a pending placeholder.
     *
     * @throws IllegalArgumentException when the block is neither a TorchScript module nor our placeholder
     */
    static Path pendingPath(Model model, String task) {
        Block b = model.getBlock();
        if (!(b instanceof ReducibleBlock r && r.isPending())) {
            throw new IllegalArgumentException(task + ": expected a TorchScript archive loaded by the PyTorch engine "
                    + "(optModelPath(file.pt)) or a folder of weights behind optBlock(ReducibleBlock.pending()) with "
                    + "optOption(\"hasParameter\", \"false\"), but the model's block is "
                    + (b == null ? "missing" : b.getClass().getName()));
        }
        return modelFile(model);
    }

    /**
     * What {@code optModelPath} named: DJL keeps a file's folder as the model path and the file's
     * name (without extension) as the model name, so a file of that name in the folder is it.
     */
    private static Path modelFile(Model model) {
        Path dir = model.getModelPath();
        if (Files.isDirectory(dir)) {
            for (String ext : new String[] {"", ".safetensors", ".pt", ".pth", ".bin"}) {
                Path f = dir.resolve(model.getName() + ext);
                if (Files.isRegularFile(f)) {
                    return f;
                }
            }
        }
        return dir;
    }

    /** Frees {@code resource} (a model owning its own manager) when {@code model} is closed. */
    static <T extends AutoCloseable> T closeWith(Model model, T resource) {
        model.getNDManager().attachInternal("tokenreduce-" + UUID.randomUUID(), resource);
        return resource;
    }

    /**
     * The {@code engine} argument: null for {@code pytorch} (the default: our block-by-block model), or
     * for {@code onnxruntime} the model at the pending placeholder's path exported with {@code reducer}
     * (null: none) as one ONNX graph in the {@code precision} argument (fp32, int8, auto = int8) and opened
     * in ONNX Runtime ({@link OnnxRuntimeImages}), closed with {@code model}. The {@code eager} weights
     * are freed before the export (which reads its own copy): the graph serves instead of them.
     */
    static OnnxRuntimeImages onnxRuntime(Model model, Served<?> eager, Map<String, ?> arguments, TokenReducer reducer,
            String task) throws TranslateException {
        Path path = exportedFrom(model, arguments, task);
        if (path == null) {
            return null;
        }
        eager.free();
        try {
            return closeWith(model, OnnxRuntimeImages.open(path, reducer, precision(arguments)));
        } catch (IOException ex) {
            throw new TranslateException(task + ": cannot export the model at " + path + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * As {@link #onnxRuntime(Model, Served, Map, TokenReducer, String)} for a graph {@code writer} writes from
     * the weights at the path it is given, its inputs like those {@code like} makes: null for {@code pytorch}.
     */
    static <R> TemporaryGraph<R> onnxRuntime(Model model, Served<?> eager, Map<String, ?> arguments, String task,
            java.util.function.Function<Path, TemporaryGraph.Writer<R>> writer,
            java.util.function.Function<NDManager, Map<String, NDArray>> like) throws TranslateException {
        Path path = exportedFrom(model, arguments, task);
        if (path == null) {
            return null;
        }
        eager.free();
        try (NDManager m = NDManager.newBaseManager()) {
            return closeWith(model, TemporaryGraph.export("tokenreduce-", writer.apply(path), like.apply(m)));
        } catch (IOException ex) {
            throw new TranslateException(task + ": cannot export the model at " + path + ": " + ex.getMessage(), ex);
        }
    }

    /** The weights an {@code engine=onnxruntime} export reads, or null for {@code pytorch}; anything else is an error. */
    private static Path exportedFrom(Model model, Map<String, ?> arguments, String task) {
        if (!onOnnxRuntime(arguments)) {
            return null;
        }
        if (model.getBlock() instanceof PtSymbolBlock) {
            throw new IllegalArgumentException(task + ": engine onnxruntime exports the model from its weights; give "
                    + "a folder of weights behind optBlock(ReducibleBlock.pending()), not a TorchScript archive");
        }
        return pendingPath(model, task);
    }

    /** Whether the {@code engine} argument is {@code onnxruntime} (false for {@code pytorch}, the default; anything else is an error). */
    static boolean onOnnxRuntime(Map<String, ?> arguments) {
        Object e = arguments.get("engine");
        String engine = e == null ? "pytorch" : e.toString().trim().toLowerCase(Locale.ROOT);
        if (!engine.equals("pytorch") && !engine.equals("onnxruntime")) {
            throw new IllegalArgumentException("engine: expected pytorch or onnxruntime, got '" + e + "'");
        }
        return engine.equals("onnxruntime");
    }

    /** Comma-separated whole numbers, increasing, each in [min, max); null when they are not (the caller says what it expects). */
    static int[] increasing(String list, int min, int max) {
        String[] parts = list.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                return null;
            }
            if (out[i] < min || out[i] >= max || (i > 0 && out[i] <= out[i - 1])) {
                return null;
            }
        }
        return out;
    }

    /** The {@code precision} argument (fp32 unless given). */
    static Precision precision(Map<String, ?> arguments) {
        Object p = arguments.get("precision");
        return p == null ? Precision.FP32 : Precision.parse(p.toString());
    }

    /** A boolean argument, {@code dflt} when absent; anything but true/false is an error naming it. */
    static boolean flag(Map<String, ?> arguments, String name, boolean dflt) {
        Object v = arguments.get(name);
        if (v == null) {
            return dflt;
        }
        String s = v.toString().trim();
        if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(name + ": expected true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(s);
    }

    /** A whole-number argument of at least {@code min}, {@code dflt} when absent; anything else is an error naming it. */
    static int count(Map<String, ?> arguments, String name, int min, int dflt) {
        Object v = arguments.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.toString().trim());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + ": expected a whole number >= " + min + ", got '" + v + "'");
    }

    /**
     * Probabilities [B, K] as one {@link Classifications} per row, class k named {@code labels.get(k)}
     * where given, else k; {@code topK} of them shown by {@code toString}/{@code toJson}.
     */
    static List<Classifications> classifications(NDArray probs, List<String> labels, int topK) {
        List<Classifications> out = new ArrayList<>();
        for (int i = 0; i < probs.getShape().get(0); i++) {
            float[] row = probs.get(i).toFloatArray();
            List<String> names = new ArrayList<>();
            List<Double> p = new ArrayList<>();
            for (int k = 0; k < row.length; k++) {
                String l = k < labels.size() ? labels.get(k) : null;
                names.add(l == null ? Integer.toString(k) : l);
                p.add((double) row[k]);
            }
            Classifications c = new Classifications(names, p);
            c.setTopK(topK);
            out.add(c);
        }
        return out;
    }

    /** Rows of [B, E] scaled to unit length when {@code normalize}. */
    static NDArray unit(NDArray rows, boolean normalize) {
        return normalize ? Tensors.normalize(rows) : rows;
    }

    /** A [B, L] integer array as rows. */
    static long[][] longRows(NDArray a) {
        int b = (int) a.getShape().get(0);
        int l = (int) a.getShape().get(1);
        long[] flat = a.toLongArray();
        long[][] out = new long[b][];
        for (int i = 0; i < b; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * l, (i + 1) * l);
        }
        return out;
    }
}
