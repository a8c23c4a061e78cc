package io.github.tokenreduce.djl.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.djl.nn.Ops;
import io.github.tokenreduce.djl.nn.Matmuls;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.nn.ReducingEncoder;
import io.github.tokenreduce.djl.nn.VisionTower;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A plain ViT / DeiT image classifier (Dosovitskiy et al., 2021; Touvron et al., 2021) block by
 * block in DJL, with a reduction site in every block (after the attention residual, before the
 * MLP): ToMe's main use (Bolya et al. §4.1), and every other method that needs no text.
 *
 * <p>Pixels [B, 3, S, S] (normalised) give {@link Classification}: logits [B, K] and the pooled
 * features [B, C]. The class token, DeiT's distillation token (kept at index 1, as ToMe's patch
 * does) and register tokens are protected. Average pooling is the size-weighted mean of the patch
 * tokens, so it stays exact under merges. Without a learned dictionary, MADTP's training-free
 * default is the classifier's rows ({@code [K, C]}): the directions that decide the output.
 *
 * <p>Immutable and thread-safe: {@link #withReduction} returns a new view sharing the weights;
 * each call runs in its own {@link NDScope} and returns arrays on the caller's manager.
 */
public final class VitModel implements AutoCloseable {

    private final NDManager manager;
    private final boolean owner;
    private final VitConfig config;
    private final VitWeights weights;
    private final VisionTower tower;
    private final TowerReduction reduction;
    private final Matmuls matmuls;

    private VitModel(NDManager manager, boolean owner, VitConfig config, VitWeights weights,
            TowerReduction reduction, Matmuls matmuls) {
        this.manager = manager;
        this.owner = owner;
        this.config = config;
        this.weights = weights;
        this.matmuls = matmuls;
        this.tower = new VisionTower(weights.tower(), config.activation(), matmuls);
        this.reduction = reduction;
    }

    /** Loads a model directory or safetensors file (timm or Hugging Face naming) onto {@code device}. */
    public static VitModel load(Path path, Device device) throws IOException {
        return load(path, device, VitLoader.Overrides.NONE);
    }

    /** As {@link #load(Path, Device)}, with geometry the tensors cannot tell (heads, epsilon). */
    public static VitModel load(Path path, Device device, VitLoader.Overrides overrides) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        try {
            VitLoader.Loaded l = VitLoader.load(path, m, device, overrides);
            return new VitModel(m, true, l.config(), l.weights(), null, Matmuls.FP32);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** A model over loaded parts on {@code manager} (not owned by the model), float32, unreduced. */
    static VitModel of(VitLoader.Loaded loaded, NDManager manager) {
        return new VitModel(manager, false, loaded.config(), loaded.weights(), null, Matmuls.FP32);
    }

    /** Builds a model from tensors on {@code manager} (not owned by the model). */
    public static VitModel of(Map<String, NDArray> tensors, NDManager manager, VitLoader.Overrides overrides) {
        return of(tensors, null, manager, overrides);
    }

    /** As {@link #of(Map, NDManager, VitLoader.Overrides)}, with a Hugging Face {@code config.json} (null: inferred). */
    public static VitModel of(Map<String, NDArray> tensors, JsonObject config, NDManager manager,
            VitLoader.Overrides overrides) {
        VitLoader.Loaded l = VitLoader.fromTensors("(in memory)", tensors, config, overrides, manager);
        return new VitModel(manager, false, l.config(), l.weights(), null, Matmuls.FP32);
    }

    public VitConfig config() {
        return config;
    }

    /** Class names from {@code config.json}'s {@code id2label}, or empty. */
    public List<String> labels() {
        return config.labels();
    }

    /**
     * This model (same reductions, shared weights) with the linear layers of the image tower in
     * {@code precision}: weights are prepared once here (bf16 copies or packed int8) and live until
     * the model is closed, so keep the returned model rather than calling this per request. Norms,
     * softmax and every reduction decision stay in float32. {@link Precision#AUTO} picks the fastest
     * the device supports; a precision the CPU cannot run fast falls back to float32 with one log line.
     */
    public VitModel withPrecision(Precision precision) {
        Matmuls mm = precision == matmuls.precision() ? matmuls
                : Matmuls.prepare(precision, ReducingEncoder.linears(weights.tower().blocks()));
        return new VitModel(manager, false, config, weights, reduction, mm);
    }

    /** The precision of this model's linear layers (never {@link Precision#AUTO}). */
    public Precision precision() {
        return matmuls.precision();
    }

    /** This model with {@code reduction} at the {@link Site#VISION_BLOCKS} site (the only one). */
    public VitModel withReduction(Site site, TowerReduction reduction) {
        if (site != Site.VISION_BLOCKS) {
            throw new IllegalArgumentException("site: a ViT classifier has only the VISION_BLOCKS site, not " + site);
        }
        TowerReduction resolved = reduction
                .requireNoCrossAttention("a ViT image classifier (no text)", "use BLIP or ViLT")
                .resolve("VISION_BLOCKS site", config.layers(), config.width(), null, () -> {
                    if (weights.headT() == null) {
                        throw new IllegalArgumentException("dictionary: this ViT has no classifier head to derive "
                                + "MADTP's training-free dictionary from; pass a dictionary [M, " + config.width() + "]");
                    }
                    return weights.headT().transpose();
                });
        return new VitModel(manager, false, config, weights, resolved, matmuls);
    }

    /** This model with no reduction. */
    public VitModel withoutReduction() {
        return new VitModel(manager, false, config, weights, null, matmuls);
    }

    /**
     * Classification output.
     *
     * @param logits [B, K] (empty [B, 0] without a head)
     * @param features pooled pre-logits [B, C]
     * @param tokensPerLayer token count after each block
     */
    public record Classification(NDArray logits, NDArray features, int[] tokensPerLayer) {}

    /** Logits [B, K] of pixels [B, 3, S, S]. */
    public NDArray logits(NDArray pixels) {
        Classification c = classify(pixels);
        c.features().close();
        return c.logits();
    }

    /** Logits, features and per-layer token counts of pixels [B, 3, S, S]. */
    public Classification classify(NDArray pixels) {
        return classify(pixels, null);
    }

    /** As {@link #classify(NDArray)}, calling {@code observer} (may be null) after each block. */
    Classification classify(NDArray pixels, ReducingEncoder.BlockObserver observer) {
        NDManager caller = pixels.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ReducingEncoder.Output out = tower.forward(pixels, reduction, observer);
            TokenSet t = out.tokens();
            NDArray x = t.hidden();
            NDArray features;
            NDArray logits;
            if (config.pooling() == VitConfig.Pooling.AVG) {
                NDArray w = t.sizes().mul(t.keyMask()).mul(t.protectedMask().neg().add(1f)).expandDims(2);
                features = x.mul(w).sum(new int[] {1}).div(w.sum(new int[] {1}).maximum(1e-12f));
                features = Ops.layerNorm(features, weights.fcNorm());
                logits = head(features, weights.headT(), weights.headB());
            } else if (config.distilled()) {
                NDArray cls = x.get(":, 0, :");
                NDArray dist = x.get(":, 1, :");
                features = cls.add(dist).div(2f);
                logits = weights.headT() == null ? head(features, null, null)
                        : head(cls, weights.headT(), weights.headB())
                                .add(head(dist, weights.headDistT(), weights.headDistB())).div(2f);
            } else {
                features = x.get(":, 0, :");
                logits = head(features, weights.headT(), weights.headB());
            }
            for (NDArray a : new NDArray[] {features, logits}) {
                NDScope.unregister(a);
                a.attach(caller);
            }
            return new Classification(logits, features, out.tokensPerLayer());
        }
    }

    private static NDArray head(NDArray features, NDArray wT, NDArray b) {
        return wT == null ? features.getManager().zeros(new ai.djl.ndarray.types.Shape(features.getShape().get(0), 0))
                : Ops.linear(features, wT, b);
    }

    /** Frees the weights (only on the instance {@link #load} returned). */
    @Override
    public void close() {
        if (owner) {
            manager.close();
        }
    }
}
