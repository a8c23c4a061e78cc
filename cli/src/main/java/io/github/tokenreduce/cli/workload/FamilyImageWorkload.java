package io.github.tokenreduce.cli.workload;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.cli.measure.Flops;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.family.FamilyModel;
import io.github.tokenreduce.djl.family.ImageForward;
import io.github.tokenreduce.djl.family.ModelFamily;
import io.github.tokenreduce.djl.family.OnnxExporter;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The image path of a model of any family that offers one ({@link ImageForward}: CLIP's vision tower,
 * a ViT/DeiT classifier) on a batch of random normalised pixels, the method at its VISION site;
 * {@link #exported} runs it as the graph its family's {@link OnnxExporter} writes, in ONNX Runtime,
 * where the family has one; a peer runtime on the same pixels where one is given ({@link ClipWorkload}).
 */
public final class FamilyImageWorkload extends ImageWorkload {

    private final FamilyModel model;
    private final PrecisionViews<FamilyModel> precisions;
    private final String name;
    private final ExportFiles files;
    private final Function<NDArray, OrtPeer> peerOpener;
    private OrtPeer peer;

    /**
     * @param manager holds the pixels (and is closed with the workload)
     * @param name what the report calls the model
     * @param path the model's files (for the ONNX export), or null
     * @param weights the model's weights when it has no files (written for the export when it runs), or null
     * @param images what the model is fed
     * @param peerOpener opens a peer runtime on the pixels, or null for none
     */
    FamilyImageWorkload(NDManager manager, FamilyModel model, String name, int batch, Path path,
            Map<String, NDArray> weights, BenchImages images,
            Function<NDArray, OrtPeer> peerOpener) {
        super(manager, model, batch, model.imageForward().geometry().imageSize(), images);
        this.model = model;
        this.precisions = new PrecisionViews<>(model, model::withPrecision);
        this.name = name;
        this.files = new ExportFiles(path, weights);
        this.peerOpener = peerOpener;
    }

    /** The model at {@code path}, of {@code family}. */
    public static FamilyImageWorkload load(ModelFamily family, Path path, Device device, int batch, BenchImages images)
            throws IOException {
        FamilyModel m = family.load(path, device);
        try {
            return new FamilyImageWorkload(NDManager.newBaseManager(device), m,
                    family.describe() + " (" + path.getFileName() + ")", batch, path, null, images, null);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        ImageForward.Geometry g = model.imageForward().geometry();
        return String.format("%s, %d px, %d layers × %d wide, batch %d, %s", name, g.imageSize(), g.layers(), g.width(),
                items(), images.description());
    }

    /** The peer, opened on its first (untimed, warm-up) run so that it does not count in the model's memory. */
    @Override
    public Optional<Runnable> peer() {
        return peerOpener == null ? Optional.empty() : Optional.of(() -> openPeer().run());
    }

    private synchronized OrtPeer openPeer() {
        if (peer == null) {
            peer = peerOpener.apply(pixels);
        }
        return peer;
    }

    @Override
    public Forward prepare(TokenReducer reducer, Precision precision) {
        FamilyModel p = precisions.get(precision);
        ImageForward f = (reducer == null ? p : p.withReduction(Site.VISION_BLOCKS, TowerReduction.of(reducer)))
                .imageForward();
        ImageForward.Geometry g = f.geometry();
        int tokensIn = g.tokens() + (reducer != null && reducer.usesCrossToken() ? 1 : 0);
        return new Forward() {
            @Override
            public int[] run() {
                return f.run(pixels);
            }

            @Override
            public float[][] outputs() {
                try (NDManager local = manager.newSubManager()) {
                    NDArray e = f.outputs(pixels);
                    e.attach(local);
                    return Tensors.rows(e);
                }
            }

            @Override
            public double flops(int[] tokensPerLayer) {
                return Flops.stack(items(), tokensIn, tokensPerLayer, g.width(), g.mlp());
            }
        };
    }

    /** The graph its family's {@link OnnxExporter} writes, run by ONNX Runtime ({@link ImageWorkload#exportedForward}). */
    @Override
    public Optional<Forward> exported(TokenReducer reducer, Precision precision) {
        Optional<OnnxExporter> exporter = model.family().onnxExporter();
        if (exporter.isEmpty() || !files.available()) {
            return Optional.empty();
        }
        OnnxExporter e = exporter.get();
        Path model = files.path();
        return Optional.of(exportedForward(file -> e.export(model, reducer == null ? null : TowerReduction.of(reducer),
                file, precision), e, prepare(reducer)));
    }

    @Override
    public void close() {
        files.close();
        if (peer != null) {
            peer.close();
        }
        super.close();
    }
}
