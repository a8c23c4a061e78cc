package io.github.tokenreduce.djl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.family.EntryPoint;
import io.github.tokenreduce.djl.family.FamilyModel;
import io.github.tokenreduce.djl.family.ImageForward;
import io.github.tokenreduce.djl.family.LoadedModel;
import io.github.tokenreduce.djl.family.ModelFamily;
import io.github.tokenreduce.djl.family.Naming;
import io.github.tokenreduce.djl.family.OnnxExporter;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * CLIP as a {@link ModelFamily}: OpenAI's, OpenCLIP's and Hugging Face's layouts; VISION and TEXT
 * sites; image and text embeddings (the CLIP BPE tokenizer read from the model folder on first use)
 * and zero-shot classification.
 */
public final class ClipFamily implements ModelFamily {

    @Override
    public String name() {
        return "clip";
    }

    @Override
    public String describe() {
        return "CLIP dual encoder";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("clip");
    }

    @Override
    public List<String> markerFiles() {
        return List.of("open_clip_config.json");
    }

    @Override
    public List<Naming> namings() {
        return List.of(new Naming("OpenAI", List.of("visual.transformer.resblocks.", "token_embedding.weight")),
                new Naming("OpenCLIP", List.of("visual.class_embedding")),
                new Naming("Hugging Face", List.of("vision_model.embeddings.class_embedding", "text_model.")));
    }

    @Override
    public Set<Site> sites() {
        return Set.of(Site.VISION_BLOCKS, Site.TEXT_BLOCKS);
    }

    @Override
    public Set<EntryPoint> entryPoints() {
        return Set.of(EntryPoint.IMAGE_EMBEDDING, EntryPoint.TEXT_EMBEDDING, EntryPoint.ZERO_SHOT,
                EntryPoint.IMAGE_FORWARD, EntryPoint.ONNX_EXPORT);
    }

    /** The image tower as one graph ({@link ClipOnnxExport#exportImage}); its embeddings, unit-length, are the outputs. */
    @Override
    public Optional<OnnxExporter> onnxExporter() {
        return Optional.of(new OnnxExporter() {
            @Override
            public String output() {
                return "image_embeds";
            }

            @Override
            public boolean normalizedOutputs() {
                return true;
            }

            @Override
            public Geometry geometry(Path model) throws IOException {
                try (ClipModel clip = ClipModel.load(model, Device.cpu())) {
                    ClipConfig c = clip.config();
                    return new Geometry(String.format(Locale.ROOT, "CLIP image tower %s, %d px, %d layers x %d wide",
                            model, c.imageSize(), c.visionLayers(), c.visionWidth()), c.visionLayers(), c.visionTokens(),
                            c.imageSize());
                }
            }

            @Override
            public NDArray pixels(NDManager manager, List<BufferedImage> images, Geometry geometry) {
                return new ClipImageProcessor(geometry.imageSize()).batch(manager, images);
            }

            @Override
            public OnnxExport.Result export(Path model, TowerReduction reduction, Path target, Precision precision)
                    throws IOException {
                return ClipOnnxExport.exportImage(model, reduction, target, precision);
            }
        });
    }

    @Override
    public FamilyModel load(Path path, Device device) throws IOException {
        ClipModel m = ClipModel.load(path, device);
        Tokenizer tokenizer = new Tokenizer(path, m.config().context());
        return new LoadedModel<>(this, m, () -> {
            tokenizer.close();
            m.close();
        }, ops(tokenizer));
    }

    @Override
    public FamilyModel wrap(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        return new LoadedModel<>(this, ClipModel.of(tensors, config, manager, null), null, ops(new Tokenizer(null, 0)));
    }

    private static LoadedModel.Ops<ClipModel> ops(Tokenizer tokenizer) {
        return new LoadedModel.Ops<>(ClipModel::withPrecision, ClipModel::withReduction, ClipModel::embed,
                (m, texts) -> m.embedTexts(tokenizer.get(), texts), null, ClipFamily::vision);
    }

    private static ImageForward vision(ClipModel m) {
        ClipConfig c = m.config();
        return new ImageForward() {
            @Override
            public Geometry geometry() {
                return new Geometry(c.imageSize(), c.visionTokens(), c.visionLayers(), c.visionWidth(), c.visionMlp());
            }

            @Override
            public int[] run(NDArray pixels) {
                ClipModel.Encoded e = m.encodeImage(pixels);
                e.embeddings().close();
                return e.tokensPerLayer();
            }

            @Override
            public NDArray outputs(NDArray pixels) {
                return m.encodeImages(pixels);
            }
        };
    }

    /** The tokenizer beside a loaded model, read on first use (image-only users need none). */
    private static final class Tokenizer implements AutoCloseable {

        private final Path path;
        private final int context;
        private ClipTokenizer loaded;

        Tokenizer(Path path, int context) {
            this.path = path;
            this.context = context;
        }

        synchronized ClipTokenizer get() {
            if (path == null) {
                throw new IllegalArgumentException("texts: this CLIP was built on tensors without a folder, so it has "
                        + "no tokenizer.json; load it from its folder, or tokenize with ClipTokenizer and call "
                        + "ClipModel.embedTexts");
            }
            if (loaded == null) {
                try {
                    loaded = ClipTokenizer.load(path, context);
                } catch (IOException e) {
                    throw new UncheckedIOException("tokenizer: cannot read the CLIP tokenizer at " + path + ": "
                            + e.getMessage(), e);
                }
            }
            return loaded;
        }

        @Override
        public synchronized void close() {
            if (loaded != null) {
                loaded.close();
            }
        }
    }
}
