package io.github.tokenreduce.djl.blip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.CrossModalReducer;
import io.github.tokenreduce.core.SiteInput;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.FusionEncoder;
import io.github.tokenreduce.djl.nn.Ops;
import io.github.tokenreduce.djl.nn.ReducingEncoder;
import io.github.tokenreduce.djl.site.GuideProvider;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * BLIP image-text retrieval (Li et al., 2022) block by block in DJL: a ViT image encoder and a BERT
 * text encoder whose layers cross-attend to the image tokens, with the ITM head (match
 * probability) and the ITC projections (similarity).
 *
 * <p>Sites ({@link Tower}): VISION in every ViT block; TEXT in every BERT layer after self-attention
 * and before cross-attention (the padding mask follows the plan); CROSS after cross-attention, for a
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
    private final ReducingEncoder vision;
    private final FusionEncoder text;
    private final Map<Tower, TowerReduction> reductions;

    private BlipModel(NDManager manager, boolean owner, BlipConfig config, BlipWeights weights,
            Map<Tower, TowerReduction> reductions) {
        this.manager = manager;
        this.owner = owner;
        this.config = config;
        this.weights = weights;
        this.vision = new ReducingEncoder(weights.visionBlocks(), Activation.GELU);
        this.text = new FusionEncoder(weights.textLayers(), Activation.GELU);
        this.reductions = reductions;
    }

    /** Loads a model directory or safetensors file onto {@code device}. */
    public static BlipModel load(Path path, Device device) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        try {
            BlipLoader.Loaded l = BlipLoader.load(path, m, device);
            return new BlipModel(m, true, l.config(), l.weights(), new EnumMap<>(Tower.class));
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Builds a model from tensors on {@code manager} (not owned by the model). */
    public static BlipModel of(Map<String, NDArray> tensors, NDManager manager) {
        BlipLoader.Loaded l = BlipLoader.fromTensors("(in memory)", tensors, null);
        return new BlipModel(manager, false, l.config(), l.weights(), new EnumMap<>(Tower.class));
    }

    public BlipConfig config() {
        return config;
    }

    /** This model with {@code reduction} at {@code site} (replacing any before). */
    public BlipModel withReduction(Tower site, TowerReduction reduction) {
        TokenReducer r = reduction.reducer();
        boolean crossModal = r instanceof CrossModalReducer;
        if (site == Tower.CROSS && !crossModal) {
            throw new IllegalArgumentException("reduction: the CROSS site takes a method that reduces from "
                    + "text-to-image attention (e.g. PuMer), not " + r.name());
        }
        if (site != Tower.CROSS && r.requires().contains(SiteInput.CROSS_ATTENTION)) {
            throw new IllegalArgumentException("reduction: " + r.name() + " needs text-to-image attention; "
                    + "attach it to the CROSS site, not " + site);
        }
        boolean isVision = site == Tower.VISION;
        int layers = isVision ? config.visionLayers() : config.textLayers();
        int width = isVision ? config.visionWidth() : config.textWidth();
        NDArray offsets = reduction.crossOffsets();
        if (offsets != null && !offsets.getShape().equals(new Shape(layers, width))) {
            throw new IllegalArgumentException("crossOffsets: expected shape [layers, width] = (" + layers + ", "
                    + width + ") for the " + site + " site but got " + offsets.getShape());
        }
        NDArray dict = reduction.dictionary();
        if (dict != null && (dict.getShape().dimension() != 2 || dict.getShape().get(1) != width)) {
            throw new IllegalArgumentException("dictionary: expected shape [M, " + width + "] for the " + site
                    + " site but got " + dict.getShape());
        }
        if (dict == null && r.requires().contains(SiteInput.DICTIONARY)) {
            dict = (isVision ? weights.visionProjT() : weights.textProjT()).transpose();
        }
        Map<Tower, TowerReduction> next = new EnumMap<>(Tower.class);
        next.putAll(reductions);
        next.put(site, reduction.withDictionary(dict));
        return new BlipModel(manager, false, config, weights, next);
    }

    /** ITM scores with the token counts after each layer at each site. */
    public record Matching(NDArray scores, int[] visionTokens, int[] textTokens, int[] imageTokensInFusion) {}

    /** Probability that image i matches text i, [B]. */
    public NDArray itmScores(NDArray pixels, BlipText texts) {
        return match(pixels, texts).scores();
    }

    /** {@link #itmScores} with per-layer token counts. */
    public Matching match(NDArray pixels, BlipText texts) {
        checkPixels(pixels);
        if (pixels.getShape().get(0) != texts.batch()) {
            throw new IllegalArgumentException("texts: " + texts.batch() + " texts for " + pixels.getShape().get(0)
                    + " images (pixels " + pixels.getShape() + "); ITM scores pairs, expected equal batches");
        }
        NDManager caller = pixels.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            TowerReduction vr = reductions.get(Tower.VISION);
            TowerReduction tr = reductions.get(Tower.TEXT);
            if (vr != null && vr.guide() == null && vr.reducer().requires().contains(SiteInput.GUIDE)
                    && config.textWidth() == config.visionWidth()) {
                NDArray textCross = encodeText(texts, null, null).text().hidden().get(":, 0, :");
                vr = vr.withGuide(GuideProvider.external(textCross));
            }
            ReducingEncoder.Output img = encodeImage(pixels, vr);
            TokenSet image = withoutCrossToken(img.tokens(), vr);
            if (tr != null && tr.guide() == null && tr.reducer().requires().contains(SiteInput.GUIDE)
                    && config.textWidth() == config.visionWidth()) {
                tr = tr.withGuide(GuideProvider.external(image.hidden().get(":, 0, :")));
            }
            FusionEncoder.Output fused = encodeText(texts, image, tr);
            NDArray cls = fused.text().hidden().get(":, 0, :");
            NDArray scores = Ops.linear(cls, weights.itmT(), weights.itmB()).softmax(1).get(":, 1");
            NDScope.unregister(scores);
            scores.attach(caller);
            return new Matching(scores, img.tokensPerLayer(), fused.textPerLayer(), fused.imagePerLayer());
        }
    }

    /** ITC cosine similarity of every image with every text, [B_img, B_txt]. */
    public NDArray itcSimilarity(NDArray pixels, BlipText texts) {
        checkPixels(pixels);
        NDManager caller = pixels.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            TokenSet image = withoutCrossToken(encodeImage(pixels, reductions.get(Tower.VISION)).tokens(),
                    reductions.get(Tower.VISION));
            NDArray img = unit(Ops.linear(image.hidden().get(":, 0, :"), weights.visionProjT(), weights.visionProjB()));
            NDArray cls = encodeText(texts, null, reductions.get(Tower.TEXT)).text().hidden().get(":, 0, :");
            NDArray txt = unit(Ops.linear(cls, weights.textProjT(), weights.textProjB()));
            NDArray sim = img.matMul(txt.transpose());
            NDScope.unregister(sim);
            sim.attach(caller);
            return sim;
        }
    }

    private ReducingEncoder.Output encodeImage(NDArray pixels, TowerReduction red) {
        NDArray px = pixels.toDevice(manager.getDevice(), false).toType(DataType.FLOAT32, false);
        long b = px.getShape().get(0);
        int p = config.patch();
        long g = config.imageSize() / p;
        NDArray x = px.reshape(b, 3, g, p, g, p).transpose(0, 2, 4, 1, 3, 5).reshape(b, g * g, 3L * p * p)
                .matMul(weights.patchT()).add(weights.patchB());
        NDArray cls = weights.classEmbedding().reshape(1, 1, -1).broadcast(b, 1, config.visionWidth());
        x = NDArrays.concat(new NDList(cls, x), 1).add(weights.positions().expandDims(0));
        boolean cross = red != null && red.reducer().usesCrossToken();
        if (cross) {
            x = NDArrays.concat(new NDList(x, x.get(":, 0:1, :")), 1);
        }
        TokenSet t = TokenSet.builder(x).protect(cross ? new int[] {0, -1} : new int[] {0})
                .attach(GUIDE, oneHot(b, (int) x.getShape().get(1), cross ? -1 : 0)).build();
        ReducingEncoder.Output out = vision.forward(t, red, false, false);
        TokenSet post = out.tokens().withHidden(Ops.layerNorm(out.tokens().hidden(), weights.postLn()));
        return new ReducingEncoder.Output(post, out.tokensPerLayer());
    }

    private FusionEncoder.Output encodeText(BlipText texts, TokenSet image, TowerReduction red) {
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
        NDArray x = weights.words().get(manager.create(ids, new Shape(b, l)))
                .add(weights.textPositions().get(":" + l).expandDims(0));
        x = Ops.layerNorm(x, weights.embeddingLn());
        NDArray m = manager.create(mask, new Shape(b, l));
        boolean cross = red != null && red.reducer().usesCrossToken();
        if (cross) {
            x = NDArrays.concat(new NDList(x, x.get(":, 0:1, :")), 1);
            m = NDArrays.concat(new NDList(m, m.get(":, 0:1")), 1);
        }
        TokenSet t = TokenSet.builder(x).keyMask(m).protect(cross ? new int[] {0, -1} : new int[] {0})
                .attach(GUIDE, oneHot(b, (int) x.getShape().get(1), cross ? -1 : 0)).build();
        TowerReduction crossSite = image == null ? null : reductions.get(Tower.CROSS);
        TowerReduction vr = reductions.get(Tower.VISION);
        boolean prop = vr != null && vr.reducer().proportionalAttention();
        return text.forward(t, image, prop, red, crossSite);
    }

    private static TokenSet withoutCrossToken(TokenSet t, TowerReduction red) {
        if (red == null || !red.reducer().usesCrossToken()) {
            return t;
        }
        String keep = ":, :" + (t.length() - 1);
        TokenSet.Builder b = TokenSet.builder(t.hidden().get(keep + ", :")).sizes(t.sizes().get(keep))
                .protectedMask(t.protectedMask().get(keep));
        b.keyMaskUnchecked(t.keyMask().get(keep));
        return b.build();
    }

    private NDArray oneHot(long b, int n, int index) {
        float[] v = new float[(int) b * n];
        int k = index < 0 ? n + index : index;
        for (int i = 0; i < b; i++) {
            v[i * n + k] = 1f;
        }
        return manager.create(v, new Shape(b, n));
    }

    private void checkPixels(NDArray pixels) {
        long s = config.imageSize();
        if (pixels.getShape().dimension() != 4 || pixels.getShape().get(1) != 3 || pixels.getShape().get(2) != s
                || pixels.getShape().get(3) != s) {
            throw new IllegalArgumentException("pixels: expected shape [B, 3, " + s + ", " + s + "] but got "
                    + pixels.getShape());
        }
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
