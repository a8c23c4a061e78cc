package io.github.tokenreduce.djl.vilt;

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
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ViLT as a {@link ModelFamily}: Hugging Face's layout; one single-stream site (text and image in one
 * sequence, named by any of VISION, TEXT and CROSS) that gives a method everything, text-to-image
 * attention included.
 */
public final class ViltFamily implements ModelFamily {

    private static final LoadedModel.Ops<ViltModel> OPS =
            new LoadedModel.Ops<>(ViltModel::withPrecision, ViltModel::withReduction, null, null, null, null);

    @Override
    public String name() {
        return "vilt";
    }

    @Override
    public String describe() {
        return "ViLT vision-and-language transformer";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("vilt");
    }

    @Override
    public List<Naming> namings() {
        return List.of(new Naming("Hugging Face", List.of("vilt.embeddings.cls_token")));
    }

    @Override
    public Set<Site> sites() {
        return EnumSet.allOf(Site.class);
    }

    @Override
    public Set<SiteInput> siteInputs(Site site) {
        return EnumSet.allOf(SiteInput.class);
    }

    @Override
    public Set<EntryPoint> entryPoints() {
        return Set.of(EntryPoint.IMAGE_TEXT_MATCH);
    }

    @Override
    public FamilyModel load(Path path, Device device) throws IOException {
        ViltModel m = ViltModel.load(path, device);
        return new LoadedModel<>(this, m, m, OPS);
    }

    @Override
    public FamilyModel wrap(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        return new LoadedModel<>(this, ViltModel.of(tensors, config, manager), null, OPS);
    }
}
