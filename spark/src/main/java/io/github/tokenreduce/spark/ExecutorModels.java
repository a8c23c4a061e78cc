package io.github.tokenreduce.spark;

import ai.djl.Device;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.family.EntryPoint;
import io.github.tokenreduce.djl.family.FamilyModel;
import io.github.tokenreduce.djl.family.ModelFamilies;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.family.OnnxRuntimeImages;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models of this JVM (an executor, or the driver when it checks a model): one per
 * configuration, loaded through its family ({@link ModelFamilies}) on first use and shared by every task. The PyTorch native library comes from
 * the jar ({@code ai.djl.offline=true}); nothing is downloaded.
 */
final class ExecutorModels {

    private static final Map<EmbedderConfig, RowEmbedder> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /** The model for {@code config}, loading it on first use. */
    static RowEmbedder get(EmbedderConfig config) {
        return MODELS.computeIfAbsent(config, ExecutorModels::load);
    }

    private static RowEmbedder load(EmbedderConfig c) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (c.threads() > 0 && System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(c.threads()));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        Device device = switch (c.device()) {
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default -> throw new IllegalArgumentException("device: expected cpu or gpu but got '" + c.device() + "'");
        };
        TokenReducer reducer = c.specJson() == null ? null : ReducerSpec.fromJson(c.specJson()).reducer();
        if (ModelFamilies.bundling(c.model()).isEmpty() && !Files.exists(Path.of(c.model()))) {
            throw new IllegalArgumentException("model: " + c.model() + " does not exist on this machine (and is not a "
                    + "bundled model name: " + ModelFamilies.bundledNames() + ")");
        }
        if (c.engine().equals("onnxruntime")) {
            return onOnnxRuntime(c, reducer);
        }
        FamilyModel base;
        try {
            base = ModelFamilies.load(c.model(), device);
        } catch (IOException e) {
            throw new UncheckedIOException("model: cannot load " + c.model() + ": " + e.getMessage(), e);
        }
        try {
            EntryPoint needed = c.images() ? EntryPoint.IMAGE_EMBEDDING : EntryPoint.TEXT_EMBEDDING;
            if (!base.family().entryPoints().contains(needed)) {
                throw new IllegalArgumentException("tower: " + c.model() + " is a " + base.family().describe()
                        + ", which offers no " + c.what() + " (its entry points: " + base.family().entryPoints() + ")");
            }
            FamilyModel precise = base.withBatchSize(c.batchSize()).withPrecision(Precision.parse(c.precision()));
            FamilyModel m = reducer == null ? precise : precise.withReduction(c.site(), TowerReduction.of(reducer));
            if (!c.images()) {
                m.embedTexts(List.of()); // reads a tokenizer beside the model now, so a missing one fails on the driver
            }
            return embedder(c, base, m);
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /**
     * Images (CLIP) or a bundled sentence encoder's texts through the model exported with its reduction
     * inside, in one ONNX Runtime session per executor JVM.
     */
    private static RowEmbedder onOnnxRuntime(EmbedderConfig c, TokenReducer reducer) {
        if (!c.images()) {
            BundledEncoder text = BundledEncoder.byName(c.model()).orElseThrow(() -> new IllegalArgumentException(
                    "engine: onnxruntime embeds texts with a bundled sentence encoder ("
                            + ModelFamilies.bundledNames() + "), not " + c.model() + ": use engine pytorch"));
            OnnxRuntimeSentenceEncoder ort;
            try {
                ort = OnnxRuntimeSentenceEncoder.open(text, reducer == null ? null : TowerReduction.of(reducer),
                        Precision.parse(c.precision()), SentenceEncoderOnnxExport.DEFAULT_LENGTHS, c.batchSize());
            } catch (IOException e) {
                throw new UncheckedIOException("model: cannot export " + c.model() + ": " + e.getMessage(), e);
            }
            return RowEmbedder.of(String.class, ort::embed, ort::close);
        }
        OnnxRuntimeImages ort;
        try {
            ort = OnnxRuntimeImages.open(Path.of(c.model()), reducer, Precision.parse(c.precision()));
        } catch (IOException e) {
            throw new UncheckedIOException("model: cannot export " + c.model() + ": " + e.getMessage(), e);
        }
        return RowEmbedder.of(BufferedImage.class, ort::embed, ort::close);
    }

    private static RowEmbedder embedder(EmbedderConfig c, FamilyModel base, FamilyModel m) {
        return c.images() ? RowEmbedder.of(BufferedImage.class, m::embedImages, base::close)
                : RowEmbedder.of(String.class, m::embedTexts, base::close);
    }
}
