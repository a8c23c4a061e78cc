package io.github.tokenreduce.djl.blip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.CrossModalReducer;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.Matmuls;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.nn.FusionEncoder;
import io.github.tokenreduce.djl.nn.Ops;
import io.github.tokenreduce.djl.nn.ReducingEncoder;
import io.github.tokenreduce.djl.nn.VisionTower;
import io.github.tokenreduce.djl.site.GuideProvider;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * BLIP image-text retrieval (Li et al., 2022) block by block in DJL: a ViT image encoder and a BERT
 * text encoder whose layers cross-attend to the image tokens, with the ITM head (match
 * probability) and the ITC projections (similarity).
 *
 * <p>Sites ({@link Site}): VISION_BLOCKS in every ViT block; TEXT_BLOCKS in every BERT layer after self-attention
 * and before cross-attention (the padding mask follows the plan); FUSION after cross-attention, for a
 * {@link CrossModalReducer} such as PuMer. Methods learn nothing here unless given parameters:
 * CrossGET's cross tokens start from CLS (offsets optional); by default, in paired ITM calls, image
 * tokens are guided by the text side's cross token (the unimodal text [CLS]) and text tokens by the
 * image side's (the image [CLS]), each projected through the layer's own query projection; in ITC,
 * which scores all pairs at once, each tower guides itself. MADTP uses a learned dictionary when
 * given, else the training-free default: the tower's ITC projection rows ({@code [E, C]}), the
 * directions that reach the shared image-text space.
 *
 * <p>Immutable and thread-safe; each call runs in its own {@link NDScope} and returns arrays on the
 * caller's manager.
 */
public final class BlipModel implements AutoCloseable {

    private static final String GUIDE = ReducingEncoder.GUIDE;

    private final NDManager manager;
    private final boolean owner;
    private final BlipConfig config;
    private final BlipWeights weights;
    private final VisionTower vision;
    private final FusionEncoder text;
    private final Map<Site, TowerReduction> reductions;
    private final Matmuls matmuls;

    private BlipModel(NDManager manager, boolean owner, BlipConfig config, BlipWeights weights,
            Map<Site, TowerReduction> reductions, Matmuls matmuls) {
        this.manager = manager;
        this.owner = owner;
        this.config = config;
        this.weights = weights;
        this.matmuls = matmuls;
        this.vision = new VisionTower(weights.vision(), Activation.GELU, matmuls);
        this.text = new FusionEncoder(weights.textLayers(), Activation.GELU, matmuls);
        this.reductions = reductions;
    }

    /** Loads a model directory or safetensors file onto {@code device}. */
    public static BlipModel load(Path path, Device device) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        try {
            BlipLoader.Loaded l = BlipLoader.load(path, m, device);
            return new BlipModel(m, true, l.config(), l.weights(), new EnumMap<>(Site.class), Matmuls.FP32);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Builds a model from tensors on {@code manager} (not owned by the model). */
    public static BlipModel of(Map<String, NDArray> tensors, NDManager manager) {
        return of(tensors, null, manager);
    }

    /** As {@link #of(Map, NDManager)}, with a Hugging Face {@code config.json} (null: inferred). */
    public static BlipModel of(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        BlipLoader.Loaded l = BlipLoader.fromTensors("(in memory)", tensors, config);
        return new BlipModel(manager, false, l.config(), l.weights(), new EnumMap<>(Site.class), Matmuls.FP32);
    }

    public BlipConfig config() {
        return config;
    }

    /**
     * This model (same reductions, shared weights) with the linear layers of the image tower and the text/fusion encoder in
     * {@code precision}: weights are prepared once here (bf16 copies or packed int8) and live until
     * the model is closed, so keep the returned model rather than calling this per request. Norms,
     * softmax and every reduction decision stay in float32. {@link Precision#AUTO} picks the fastest
     * the device supports; a precision the CPU cannot run fast falls back to float32 with one log line.
     */
    public BlipModel withPrecision(Precision precision) {
        Matmuls mm = precision == matmuls.precision() ? matmuls
                : Matmuls.prepare(precision, Stream.concat(
                        ReducingEncoder.linears(weights.vision().blocks()).stream(),
                        FusionEncoder.linears(weights.textLayers()).stream()).toList());
        return new BlipModel(manager, false, config, weights, reductions, mm);
    }

    /** The precision of this model's linear layers (never {@link Precision#AUTO}). */
    public Precision precision() {
        return matmuls.precision();
    }

    /** This model with {@code reduction} at {@code site} (replacing any before). */
    public BlipModel withReduction(Site site, TowerReduction reduction) {
        TokenReducer r = reduction.reducer();
        boolean crossModal = r instanceof CrossModalReducer;
        if (site == Site.FUSION && !crossModal) {
            throw new IllegalArgumentException("reduction: the FUSION site takes a method that reduces from "
                    + "text-to-image attention (e.g. PuMer), not " + r.name());
        }
        if (site != Site.FUSION) {
            reduction.requireNoCrossAttention("the " + site + " site", "attach it to the FUSION site");
        }
        boolean isVision = site == Site.VISION_BLOCKS;
        TowerReduction resolved = reduction.resolve(site + " site",
                isVision ? config.visionLayers() : config.textLayers(),
                isVision ? config.visionWidth() : config.textWidth(), null,
                () -> weights.madtpDictionary() != null ? weights.madtpDictionary()
                        : (isVision ? weights.visionProjT() : weights.textProjT()).transpose());
        Map<Site, TowerReduction> next = new EnumMap<>(Site.class);
        next.putAll(reductions);
        next.put(site, resolved);
        return new BlipModel(manager, false, config, weights, next, matmuls);
    }

    /**
     * ITM scores [B] (match probabilities), the head's logits [B, 2], and the token counts after
     * each layer at each site.
     */
    public record Matching(NDArray scores, NDArray logits, int[] visionTokens, int[] textTokens,
            int[] imageTokensInFusion) {}

    /** Probability that image i matches text i, [B]. */
    public NDArray itmScores(NDArray pixels, TextBatch texts) {
        return match(pixels, texts).scores();
    }

    /** {@link #itmScores} with per-layer token counts. */
    public Matching match(NDArray pixels, TextBatch texts) {
        vision.checkPixels(pixels);
        if (pixels.getShape().get(0) != texts.batch()) {
            throw new IllegalArgumentException("texts: " + texts.batch() + " texts for " + pixels.getShape().get(0)
                    + " images (pixels " + pixels.getShape() + "); ITM scores pairs, expected equal batches");
        }
        NDManager caller = pixels.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray[] text = textArrays(texts);
            Matching r = match(pixels, text[0], text[1], null);
            NDScope.unregister(r.scores(), r.logits());
            r.scores().attach(caller);
            r.logits().attach(caller);
            return r;
        }
    }

    /**
     * ITM on checked arrays: token ids [B, T] (int64) and the attention mask [B, T] (float32, 1 on real
     * tokens) on the weights' device, calling {@code observer} (may be null) after each vision block.
     * Everything that differs per pair (the guides, masks and padding) is computed from the arrays, so
     * the ONNX export traces it. The result belongs to the current scope.
     */
    Matching match(NDArray pixels, NDArray ids, NDArray mask, ReducingEncoder.BlockObserver observer) {
        TowerReduction vr = reductions.get(Site.VISION_BLOCKS);
        TowerReduction tr = reductions.get(Site.TEXT_BLOCKS);
        if (vr != null && vr.guide() == null && vr.reducer().requires().contains(SiteInput.GUIDE)
                && config.textWidth() == config.visionWidth()) {
            NDArray textCross = encodeText(ids, mask, null, null).text().hidden().get(":, 0, :");
            vr = vr.withGuide(GuideProvider.external(textCross));
        }
        ReducingEncoder.Output img = vision.forward(pixels, vr, observer);
        TokenSet image = img.tokens();
        if (tr != null && tr.guide() == null && tr.reducer().requires().contains(SiteInput.GUIDE)
                && config.textWidth() == config.visionWidth()) {
            tr = tr.withGuide(GuideProvider.external(image.hidden().get(":, 0, :")));
        }
        FusionEncoder.Output fused = encodeText(ids, mask, image, tr);
        NDArray cls = fused.text().hidden().get(":, 0, :");
        NDArray logits = Ops.linear(cls, weights.itmT(), weights.itmB());
        NDArray scores = logits.softmax(1).get(":, 1");
        return new Matching(scores, logits, img.tokensPerLayer(), fused.textPerLayer(), fused.imagePerLayer());
    }

    /** ITC cosine similarity of every image with every text, [B_img, B_txt]. */
    public NDArray itcSimilarity(NDArray pixels, TextBatch texts) {
        vision.checkPixels(pixels);
        NDManager caller = pixels.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray img = unit(encodeImage(pixels, null).features());
            NDArray[] text = textArrays(texts);
            NDArray cls = encodeText(text[0], text[1], null, reductions.get(Site.TEXT_BLOCKS)).text().hidden()
                    .get(":, 0, :");
            NDArray txt = unit(Ops.linear(cls, weights.textProjT(), weights.textProjB()));
            NDArray sim = img.matMul(txt.transpose());
            NDScope.unregister(sim);
            sim.attach(caller);
            return sim;
        }
    }

    /** ITC image features with the token count after each vision block. */
    public record ImageFeatures(NDArray features, int[] tokensPerLayer) {}

    /**
     * The ITC image features [B, E] of pixels [B, 3, S, S]: the vision [CLS] through {@code vision_proj},
     * not normalised (Hugging Face's {@code image_feat} before {@code normalize}), with the reduction at
     * the VISION site (each image guides itself, as in {@link #itcSimilarity}).
     */
    public ImageFeatures imageFeatures(NDArray pixels) {
        vision.checkPixels(pixels);
        NDManager caller = pixels.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ImageFeatures f = encodeImage(pixels, null);
            NDScope.unregister(f.features());
            f.features().attach(caller);
            return f;
        }
    }

    /** As {@link #imageFeatures} without the checks, calling {@code observer} (may be null) after each block. */
    ImageFeatures encodeImage(NDArray pixels, ReducingEncoder.BlockObserver observer) {
        ReducingEncoder.Output out = vision.forward(pixels, reductions.get(Site.VISION_BLOCKS), observer);
        NDArray feats = Ops.linear(out.tokens().hidden().get(":, 0, :"), weights.visionProjT(), weights.visionProjB());
        return new ImageFeatures(feats, out.tokensPerLayer());
    }

    /** Checked token ids [B, T] (int64) and attention mask [B, T] (float32) of {@code texts} on the weights' device. */
    private NDArray[] textArrays(TextBatch texts) {
        int b = texts.batch();
        int l = texts.length();
        if (l > config.maxPositions()) {
            throw new IllegalArgumentException("texts: length " + l + " exceeds the " + config.maxPositions()
                    + " position embeddings");
        }
        long[] ids = new long[b * l];
        float[] mask = new float[b * l];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < l; j++) {
                long id = texts.ids()[i][j];
                if (id < 0 || id >= config.vocab()) {
                    throw new IllegalArgumentException("texts: token " + id + " at [" + i + ", " + j
                            + "] outside the vocabulary [0, " + config.vocab() + ")");
                }
                ids[i * l + j] = id;
                mask[i * l + j] = texts.mask()[i][j];
            }
        }
        return new NDArray[] {manager.create(ids, new Shape(b, l)), manager.create(mask, new Shape(b, l))};
    }

    /**
     * The text encoder on ids [B, T] and mask [B, T] (float32): unimodal when {@code image} is null,
     * else cross-attending to it, with {@code red} at the TEXT site (and the FUSION site's method).
     */
    private FusionEncoder.Output encodeText(NDArray ids, NDArray mask, TokenSet image, TowerReduction red) {
        long b = ids.getShape().get(0);
        int l = (int) ids.getShape().get(1);
        NDArray x = Ops.embed(weights.words(), ids).add(weights.textPositions().get(":" + l).expandDims(0));
        x = Ops.layerNorm(x, weights.embeddingLn());
        NDArray m = mask;
        boolean cross = red != null && red.reducer().usesCrossToken();
        if (cross) {
            x = NDArrays.concat(new NDList(x, x.get(":, 0:1, :")), 1);
            m = NDArrays.concat(new NDList(m, m.get(":, 0:1")), 1);
        }
        TokenSet t = TokenSet.builder(x).keyMask(m).protect(cross ? new int[] {0, -1} : new int[] {0})
                .attach(GUIDE, oneHot(b, (int) x.getShape().get(1), cross ? -1 : 0)).build();
        TowerReduction crossSite = image == null ? null : reductions.get(Site.FUSION);
        TowerReduction vr = reductions.get(Site.VISION_BLOCKS);
        boolean prop = vr != null && vr.reducer().proportionalAttention();
        return text.forward(t, image, prop, red, crossSite);
    }

    private NDArray oneHot(long b, int n, int index) {
        float[] v = new float[(int) b * n];
        int k = index < 0 ? n + index : index;
        for (int i = 0; i < b; i++) {
            v[i * n + k] = 1f;
        }
        return manager.create(v, new Shape(b, n));
    }

    private static NDArray unit(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).sqrt().maximum(1e-12f));
    }

    /** Arrays held by the weights' manager (for leak checks). */
    int managedArrays() {
        return ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
    }

    /** Frees the weights (only on the instance {@link #load} returned). */
    @Override
    public void close() {
        if (owner) {
            manager.close();
        }
    }
}
