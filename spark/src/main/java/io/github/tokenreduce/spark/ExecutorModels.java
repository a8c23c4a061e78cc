package io.github.tokenreduce.spark;

import ai.djl.Device;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipTokenizer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
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
 * configuration, loaded on first use and shared by every task. The PyTorch native library comes from
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
        try {
            return switch (c.kind()) {
                case SENTENCE -> sentence(c, device, reducer);
                case CLIP_IMAGE, CLIP_TEXT -> clip(c, device, reducer);
            };
        } catch (IOException e) {
            throw new UncheckedIOException("model: cannot load " + c.model() + ": " + e.getMessage(), e);
        }
    }

    private static RowEmbedder sentence(EmbedderConfig c, Device device, TokenReducer reducer) throws IOException {
        BundledEncoder b = BundledEncoder.byName(c.model()).orElseThrow(() -> new IllegalArgumentException(
                "model: '" + c.model() + "' is not a bundled sentence encoder"));
        SentenceEncoder base = b.load(device).withBatchSize(c.batchSize());
        SentenceEncoder precise = base.withPrecision(Precision.parse(c.precision()));
        SentenceEncoder e = reducer == null ? precise : precise.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(reducer));
        return new RowEmbedder() {
            @Override
            public float[][] embed(List<Object> inputs) {
                List<String> texts = new ArrayList<>(inputs.size());
                inputs.forEach(o -> texts.add(b.passagePrefix() + o));
                return e.embed(texts);
            }

            @Override
            public void close() {
                base.close();
            }
        };
    }

    private static RowEmbedder clip(EmbedderConfig c, Device device, TokenReducer reducer) throws IOException {
        Path path = Path.of(c.model());
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("model: " + path + " does not exist on this machine (and is not a "
                    + "bundled encoder name)");
        }
        ClipModel base = ClipModel.load(path, device);
        Site site = c.kind() == EmbedderConfig.Kind.CLIP_IMAGE ? Site.VISION_BLOCKS : Site.TEXT_BLOCKS;
        ClipModel precise = base.withPrecision(Precision.parse(c.precision()));
        ClipModel m = reducer == null ? precise : precise.withReduction(site, TowerReduction.of(reducer));
        ClipTokenizer tok;
        try {
            tok = site == Site.TEXT_BLOCKS ? ClipTokenizer.load(path, base.config().context()) : null;
        } catch (IOException | RuntimeException e) {
            base.close();
            throw e;
        }
        return new RowEmbedder() {
            @Override
            public float[][] embed(List<Object> inputs) {
                if (tok == null) {
                    List<BufferedImage> images = new ArrayList<>(inputs.size());
                    inputs.forEach(o -> images.add((BufferedImage) o));
                    return m.embed(images);
                }
                List<String> texts = new ArrayList<>(inputs.size());
                inputs.forEach(o -> texts.add((String) o));
                return m.embedTexts(tok, texts);
            }

            @Override
            public void close() {
                if (tok != null) {
                    tok.close();
                }
                base.close();
            }
        };
    }
}
