package io.github.tokenreduce.cli.workload;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.cli.measure.Flops;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.clip.ClipConfig;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipOnnxExport;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** CLIP's vision tower on a batch of random normalised pixels: ToMe's and CrossGET's main case. */
public final class ClipWorkload extends ImageWorkload {

    private final ClipModel model;
    private final String name;
    private final Map<String, NDArray> peerWeights;
    private final PrecisionViews<ClipModel> precisions;
    private OrtPeer peer;
    /** The weights on disk, for the export: the loaded path, or the random weights written once. */
    private Path weightsFile;
    private final boolean ownsWeightsFile;

    private ClipWorkload(NDManager manager, ClipModel model, String name, int batch, Map<String, NDArray> peerWeights,
            Path weightsFile) {
        super(manager, model, batch, model.config().imageSize());
        this.model = model;
        this.name = name;
        this.peerWeights = peerWeights;
        this.precisions = new PrecisionViews<>(model, model::withPrecision);
        this.weightsFile = weightsFile;
        this.ownsWeightsFile = weightsFile == null;
    }

    /**
     * A ViT-B/16 CLIP with random weights (throughput only), with ONNX Runtime Java running the same
     * weights as its peer (the vision tower written as an ONNX graph by {@link OnnxClipVision}).
     */
    public static ClipWorkload randomVitB16(int batch) {
        NDManager m = NDManager.newBaseManager();
        m.getEngine().setRandomSeed(42);
        Map<String, NDArray> weights = RandomClipWeights.vitB16(m);
        ClipModel clip = ClipModel.of(weights, m, Activation.QUICK_GELU);
        return new ClipWorkload(m, clip, "CLIP ViT-B/16 vision tower (random weights)", batch, weights, null);
    }

    /** The CLIP at {@code path} (no peer: its weights are not rewritten as ONNX). */
    public static ClipWorkload load(Path path, Device device, int batch) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        return new ClipWorkload(m, ClipModel.load(path, device), "CLIP vision tower (" + path.getFileName() + ")", batch,
                null, path);
    }

    /** The peer, opened on its first (untimed, warm-up) run so that it does not count in the model's memory. */
    @Override
    public Optional<Runnable> peer() {
        return peerWeights == null ? Optional.empty() : Optional.of(() -> openPeer().run());
    }

    private synchronized OrtPeer openPeer() {
        if (peer == null) {
            peer = OrtPeer.open(OnnxClipVision.write(peerWeights, items(), model.config().visionHeads()), "pixels",
                    pixels);
        }
        return peer;
    }

    /**
     * The image tower {@link ClipOnnxExport} writes, run by ONNX Runtime ({@link ImageWorkload#exportedForward});
     * random weights are written to a temporary file first (once, removed on {@link #close}).
     */
    @Override
    public Optional<Forward> exported(TokenReducer reducer, Precision precision) {
        Path weights = weightsFile();
        return Optional.of(exportedForward(file -> ClipOnnxExport.exportImage(weights,
                reducer == null ? null : TowerReduction.of(reducer), file, precision), "image_embeds", true,
                prepare(reducer)));
    }

    private synchronized Path weightsFile() {
        if (weightsFile == null) {
            try {
                weightsFile = Files.createTempFile("tokenreduce-clip-", ".safetensors");
                SafetensorsWriter.write(weightsFile, peerWeights, SafetensorsWriter.Encoding.F32);
            } catch (IOException e) {
                throw new UncheckedIOException("random CLIP weights for the export: " + e.getMessage(), e);
            }
        }
        return weightsFile;
    }

    @Override
    public void close() {
        if (peer != null) {
            peer.close();
        }
        try {
            if (ownsWeightsFile && weightsFile != null) {
                Files.deleteIfExists(weightsFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            super.close();
        }
    }

    @Override
    public String describe() {
        ClipConfig c = model.config();
        return String.format("%s, %d×%d px, %d layers × %d wide, batch %d", name, c.imageSize(), c.imageSize(),
                c.visionLayers(), c.visionWidth(), items());
    }

    @Override
    public Forward prepare(TokenReducer reducer, Precision precision) {
        ClipModel p = precisions.get(precision);
        ClipModel m = reducer == null ? p : p.withReduction(Site.VISION_BLOCKS, TowerReduction.of(reducer));
        ClipConfig c = model.config();
        int tokensIn = c.visionTokens() + (reducer != null && reducer.usesCrossToken() ? 1 : 0);
        return new Forward() {
            @Override
            public int[] run() {
                ClipModel.Encoded e = m.encodeImage(pixels);
                e.embeddings().close();
                return e.tokensPerLayer();
            }

            @Override
            public float[][] outputs() {
                try (NDManager local = manager.newSubManager()) {
                    NDArray e = m.encodeImages(pixels);
                    e.attach(local);
                    return Tensors.rows(e);
                }
            }

            @Override
            public double flops(int[] tokensPerLayer) {
                return Flops.stack(items(), tokensIn, tokensPerLayer, c.visionWidth(), c.visionMlp());
            }
        };
    }

}
