package io.github.tokenreduce.djl.toy;

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
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A test-only family, registered by one line in this module's test
 * {@code META-INF/services/io.github.tokenreduce.djl.family.ModelFamily}: what adding a family takes
 * (this package plus that line; docs/models.md, "Adding a model family"). Its model embeds a text as
 * the unit-length mean of the rows of {@code toy.embedding} [V, D] picked by each character's code mod V.
 */
public final class ToyFamily implements ModelFamily {

    private static final LoadedModel.Ops<ToyModel> OPS = new LoadedModel.Ops<>((m, p) -> m, (m, site, r) -> m,
            null, ToyModel::embed, null, null);

    @Override
    public String name() {
        return "toy";
    }

    @Override
    public String describe() {
        return "toy text embedder";
    }

    @Override
    public List<String> modelTypes() {
        return List.of("toy");
    }

    @Override
    public List<Naming> namings() {
        return List.of(new Naming("test", List.of("toy.embedding")));
    }

    @Override
    public Set<Site> sites() {
        return Set.of(Site.TEXT_BLOCKS);
    }

    @Override
    public Set<SiteInput> siteInputs(Site site) {
        return site == Site.TEXT_BLOCKS ? Set.of(SiteInput.METRIC) : Set.of();
    }

    @Override
    public Set<EntryPoint> entryPoints() {
        return Set.of(EntryPoint.TEXT_EMBEDDING);
    }

    @Override
    public FamilyModel load(Path path, Device device) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        try {
            ToyModel model = new ToyModel(WeightFiles.load(path, m, device).tensors().get("toy.embedding"));
            return new LoadedModel<>(this, model, m, OPS);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    public FamilyModel wrap(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        return new LoadedModel<>(this, new ToyModel(tensors.get("toy.embedding")), null, OPS);
    }
}
