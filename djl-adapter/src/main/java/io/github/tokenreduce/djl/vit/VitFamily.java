package io.github.tokenreduce.djl.vit;

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

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * ViT and DeiT image classifiers as a {@link ModelFamily}: timm's and Hugging Face's layouts; the
 * VISION site; classification, and export as one ONNX graph ({@link VitOnnxExport}).
 */
public final class VitFamily implements ModelFamily {

    private static final LoadedModel.Ops<VitModel> OPS =
            new LoadedModel.Ops<>(VitModel::withPrecision, VitModel::withReduction, null, null, null, VitFamily::vision);

    private static ImageForward vision(VitModel m) {
        VitConfig c = m.config();
        return new ImageForward() {
            @Override
            public Geometry geometry() {
                return new Geometry(c.imageSize(), c.tokens(), c.layers(), c.width(), c.mlp());
            }

            @Override
            public int[] run(NDArray pixels) {
                VitModel.Classification out = m.classify(pixels);
                out.logits().close();
                out.features().close();
                return out.tokensPerLayer();
            }

            @Override
            public NDArray outputs(NDArray pixels) {
                VitModel.Classification out = m.classify(pixels);
                out.logits().close();
                return out.features();
            }
        };
    }

    @Override
    public String name() {
        return "vit";
    }

    @Override
    public String describe() {
        return "ViT/DeiT image classifier";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("vit", "deit");
    }

    @Override
    public List<Naming> namings() {
        return List.of(new Naming("Hugging Face ViT", List.of("vit.embeddings.cls_token")),
                new Naming("Hugging Face DeiT", List.of("deit.embeddings.cls_token")),
                new Naming("timm", List.of("cls_token")));
    }

    @Override
    public Set<Site> sites() {
        return Set.of(Site.VISION_BLOCKS);
    }

    @Override
    public Set<EntryPoint> entryPoints() {
        return Set.of(EntryPoint.CLASSIFICATION, EntryPoint.ONNX_EXPORT, EntryPoint.IMAGE_FORWARD);
    }

    @Override
    public Optional<OnnxExporter> onnxExporter() {
        return Optional.of(new OnnxExporter() {
            @Override
            public Geometry geometry(Path model) throws IOException {
                try (VitModel vit = VitModel.load(model, Device.cpu())) {
                    VitConfig c = vit.config();
                    return new Geometry(String.format(Locale.ROOT, "ViT %s, %d px, %d layers x %d wide", model,
                            c.imageSize(), c.layers(), c.width()), c.layers(), c.tokens(), c.imageSize());
                }
            }

            @Override
            public String output() {
                return "features";
            }

            @Override
            public OnnxExport.Result export(Path model, TowerReduction reduction, Path target, Precision precision)
                    throws IOException {
                return VitOnnxExport.export(model, VitLoader.Overrides.NONE, reduction, target, precision);
            }
        });
    }

    @Override
    public FamilyModel load(Path path, Device device) throws IOException {
        VitModel m = VitModel.load(path, device);
        return new LoadedModel<>(this, m, m, OPS);
    }

    @Override
    public FamilyModel wrap(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        return new LoadedModel<>(this, VitModel.of(tensors, config, manager, null), null, OPS);
    }
}
