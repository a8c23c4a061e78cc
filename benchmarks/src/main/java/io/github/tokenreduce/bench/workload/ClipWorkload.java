package io.github.tokenreduce.bench.workload;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.bench.report.Flops;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.clip.ClipConfig;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.nio.file.Path;

/** CLIP's vision tower on a batch of random normalised pixels: ToMe's and CrossGET's main case. */
public final class ClipWorkload extends ImageWorkload {

    private final ClipModel model;
    private final String name;

    private ClipWorkload(NDManager manager, ClipModel model, String name, int batch) {
        super(manager, model, batch, model.config().imageSize());
        this.model = model;
        this.name = name;
    }

    /** A ViT-B/16 CLIP with random weights (throughput only). */
    public static ClipWorkload randomVitB16(int batch) {
        NDManager m = NDManager.newBaseManager();
        m.getEngine().setRandomSeed(42);
        ClipModel clip = ClipModel.of(RandomClipWeights.vitB16(m), m, Activation.QUICK_GELU);
        return new ClipWorkload(m, clip, "CLIP ViT-B/16 vision tower (random weights)", batch);
    }

    /** The CLIP at {@code path}. */
    public static ClipWorkload load(Path path, Device device, int batch) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        return new ClipWorkload(m, ClipModel.load(path, device), "CLIP vision tower (" + path.getFileName() + ")", batch);
    }

    @Override
    public String describe() {
        ClipConfig c = model.config();
        return String.format("%s, %d×%d px, %d layers × %d wide, batch %d", name, c.imageSize(), c.imageSize(),
                c.visionLayers(), c.visionWidth(), items());
    }

    @Override
    public Forward prepare(TokenReducer reducer) {
        ClipModel m = reducer == null ? model : model.withReduction(Tower.VISION, TowerReduction.of(reducer));
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
