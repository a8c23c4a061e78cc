package io.github.tokenreduce.cli.workload;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.cli.measure.Flops;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitConfig;
import io.github.tokenreduce.djl.vit.VitLoader;
import io.github.tokenreduce.djl.vit.VitModel;
import io.github.tokenreduce.djl.vit.VitOnnxExport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A ViT/DeiT image classifier on random normalised pixels; {@link #exported} runs it as the ONNX graph
 * {@link VitOnnxExport} writes, in ONNX Runtime.
 */
public final class VitWorkload extends ImageWorkload {

    private final VitModel model;
    private final PrecisionViews<VitModel> precisions;
    private final String name;
    private final Path path;

    private VitWorkload(NDManager manager, VitModel model, String name, int batch, Path path) {
        super(manager, model, batch, model.config().imageSize());
        this.model = model;
        this.precisions = new PrecisionViews<>(model, model::withPrecision);
        this.name = name;
        this.path = path;
    }

    /** The ViT at {@code path}. */
    public static VitWorkload load(Path path, Device device, int batch) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        return new VitWorkload(m, VitModel.load(path, device), "ViT classifier (" + path.getFileName() + ")", batch,
                path);
    }

    @Override
    public String describe() {
        VitConfig c = model.config();
        return String.format("%s, %d px, %d layers × %d wide, batch %d", name, c.imageSize(), c.layers(), c.width(),
                items());
    }

    @Override
    public Forward prepare(TokenReducer reducer, Precision precision) {
        VitModel p = precisions.get(precision);
        VitModel m = reducer == null ? p : p.withReduction(Site.VISION_BLOCKS, TowerReduction.of(reducer));
        VitConfig c = model.config();
        int tokensIn = c.tokens() + (reducer != null && reducer.usesCrossToken() ? 1 : 0);
        return new Forward() {
            @Override
            public int[] run() {
                VitModel.Classification out = m.classify(pixels);
                out.logits().close();
                out.features().close();
                return out.tokensPerLayer();
            }

            @Override
            public float[][] outputs() {
                VitModel.Classification out = m.classify(pixels);
                out.logits().close();
                float[][] r = Tensors.rows(out.features());
                out.features().close();
                return r;
            }

            @Override
            public double flops(int[] tokensPerLayer) {
                return Flops.stack(items(), tokensIn, tokensPerLayer, c.width(), c.mlp());
            }
        };
    }

    /** The graph {@link VitOnnxExport} writes, run by ONNX Runtime ({@link ImageWorkload#exportedForward}). */
    @Override
    public Optional<Forward> exported(TokenReducer reducer, Precision precision) {
        return Optional.of(exportedForward(file -> VitOnnxExport.export(path, VitLoader.Overrides.NONE,
                reducer == null ? null : TowerReduction.of(reducer), file, precision), "features", false,
                prepare(reducer)));
    }
}
