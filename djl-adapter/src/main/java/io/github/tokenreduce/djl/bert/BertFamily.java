package io.github.tokenreduce.djl.bert;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.spec.ReducerSpec;
import io.github.tokenreduce.djl.family.EntryPoint;
import io.github.tokenreduce.djl.family.FamilyModel;
import io.github.tokenreduce.djl.family.LoadedModel;
import io.github.tokenreduce.djl.family.ModelFamily;
import io.github.tokenreduce.djl.family.Naming;
import io.github.tokenreduce.djl.site.Site;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The BERT-style sentence encoders as a {@link ModelFamily}: the bundled encoders by name
 * ({@link BundledEncoder}); one TEXT site; text embeddings, texts as passages (with the encoder's
 * passage prefix); the documented default schedules ({@link BundledEncoder#reductionSpec}).
 */
public final class BertFamily implements ModelFamily {

    @Override
    public String name() {
        return "bert";
    }

    @Override
    public String describe() {
        return "BERT sentence encoder";
    }

    @Override
    public List<Naming> namings() {
        return List.of();
    }

    @Override
    public List<String> bundledNames() {
        return Arrays.stream(BundledEncoder.values()).map(BundledEncoder::modelName).toList();
    }

    @Override
    public boolean bundles(String name) {
        return BundledEncoder.byName(name).isPresent();
    }

    @Override
    public Set<Site> sites() {
        return Set.of(Site.TEXT_BLOCKS);
    }

    @Override
    public Set<EntryPoint> entryPoints() {
        return Set.of(EntryPoint.TEXT_EMBEDDING);
    }

    @Override
    public ReducerSpec spec(String model, Site site, String method, Double level) {
        return encoder(model).reductionSpec(method, level);
    }

    @Override
    public FamilyModel loadBundled(String name, Device device) throws IOException {
        BundledEncoder b = encoder(name);
        SentenceEncoder e = b.load(device);
        return new LoadedModel<>(this, e, e, new LoadedModel.Ops<>(SentenceEncoder::withPrecision,
                SentenceEncoder::withReduction, null,
                (m, texts) -> m.embed(texts.stream().map(t -> b.passagePrefix() + t).toList()),
                SentenceEncoder::withBatchSize, null));
    }

    @Override
    public FamilyModel load(Path path, Device device) {
        throw new IllegalArgumentException("model: the " + name() + " family loads its bundled encoders by name "
                + bundledNames() + ", not " + path + "; serve an exported .onnx encoder through Criteria with "
                + "TextEmbeddingFactory");
    }

    @Override
    public FamilyModel wrap(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        throw new IllegalArgumentException("model: the " + name() + " family is not built on loaded tensors; load a "
                + "bundled encoder by name " + bundledNames());
    }

    private BundledEncoder encoder(String name) {
        return BundledEncoder.byName(name).orElseThrow(() -> new IllegalArgumentException("model: '" + name
                + "' is not a bundled sentence encoder; expected one of " + bundledNames()));
    }
}
