package io.github.tokenreduce.djl.blip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.djl.family.EntryPoint;
import io.github.tokenreduce.djl.family.FamilyModel;
import io.github.tokenreduce.djl.family.LoadedModel;
import io.github.tokenreduce.djl.family.ModelFamily;
import io.github.tokenreduce.djl.family.Naming;
import io.github.tokenreduce.djl.family.OnnxExporter;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.site.Site;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * BLIP image-text matching as a {@link ModelFamily}: the authors' (LAVIS) and Hugging Face's
 * layouts; VISION and TEXT sites and the CROSS site, where a method reads text-to-image attention
 * (PuMer). Exports the image tower as one ONNX graph ({@link #onnxExporter}).
 */
public final class BlipFamily implements ModelFamily {

    private static final LoadedModel.Ops<BlipModel> OPS =
            new LoadedModel.Ops<>(BlipModel::withPrecision, BlipModel::withReduction, null, null, null, null);

    @Override
    public String name() {
        return "blip";
    }

    @Override
    public String describe() {
        return "BLIP image-text matching model";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("blip");
    }

    @Override
    public List<Naming> namings() {
        return List.of(new Naming("LAVIS", List.of("visual_encoder.cls_token")),
                new Naming("Hugging Face", List.of("text_encoder.")));
    }

    @Override
    public Set<Site> sites() {
        return Set.of(Site.VISION_BLOCKS, Site.TEXT_BLOCKS, Site.FUSION);
    }

    @Override
    public Set<SiteInput> siteInputs(Site site) {
        return site == Site.FUSION ? Set.of(SiteInput.METRIC, SiteInput.CROSS_ATTENTION)
                : sites().contains(site) ? WITHOUT_CROSS_ATTENTION : Set.of();
    }

    @Override
    public Set<EntryPoint> entryPoints() {
        return Set.of(EntryPoint.IMAGE_TEXT_MATCH, EntryPoint.ONNX_EXPORT);
    }

    /**
     * The image tower with the reduction at the vision site ({@link BlipOnnxExport#exportImage}): output
     * {@code image_feat}, the ITC image features (L2-normalised for the family's outputs). The ITM graph
     * takes texts as well, so it is exported by the library ({@link BlipOnnxExport#exportItm}).
     */
    @Override
    public Optional<OnnxExporter> onnxExporter() {
        return Optional.of(new OnnxExporter() {
            @Override
            public String output() {
                return BlipOnnxExport.IMAGE_FEATURES;
            }

            @Override
            public boolean normalizedOutputs() {
                return true;
            }

            @Override
            public Geometry geometry(Path model) throws IOException {
                try (BlipModel blip = BlipModel.load(model, Device.cpu())) {
                    BlipConfig c = blip.config();
                    return new Geometry(String.format(Locale.ROOT, "BLIP image tower %s, %d px, %d layers x %d wide",
                            model, c.imageSize(), c.visionLayers(), c.visionWidth()), c.visionLayers(),
                            c.visionTokens(), c.imageSize());
                }
            }

            @Override
            public OnnxExport.Result export(Path model, TowerReduction reduction, Path target, Precision precision)
                    throws IOException {
                return BlipOnnxExport.exportImage(model, reduction, target, precision);
            }
        });
    }

    @Override
    public FamilyModel load(Path path, Device device) throws IOException {
        BlipModel m = BlipModel.load(path, device);
        return new LoadedModel<>(this, m, m, OPS);
    }

    @Override
    public FamilyModel wrap(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        return new LoadedModel<>(this, BlipModel.of(tensors, config, manager), null, OPS);
    }
}
