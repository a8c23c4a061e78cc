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
import io.github.tokenreduce.djl.site.Site;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BLIP image-text matching as a {@link ModelFamily}: the authors' (LAVIS) and Hugging Face's
 * layouts; VISION and TEXT sites and the CROSS site, where a method reads text-to-image attention
 * (PuMer).
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
        return Set.of(EntryPoint.IMAGE_TEXT_MATCH);
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
