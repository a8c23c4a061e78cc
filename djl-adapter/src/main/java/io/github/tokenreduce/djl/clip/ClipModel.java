package io.github.tokenreduce.djl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.KeyMasking;
import io.github.tokenreduce.djl.nn.Matmuls;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.nn.Ops;
import io.github.tokenreduce.djl.nn.ReducingEncoder;
import io.github.tokenreduce.djl.nn.VisionTower;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CLIP (Radford et al., 2021) as an explicit DJL forward pass, block by block, with a reduction
 * site in every block of both towers (after the attention residual, before the MLP).
 *
 * <p>Immutable and thread-safe: {@link #withReduction} returns a new view sharing the weights.
 * Each call runs in its own {@link NDScope}; results are attached to the caller's manager.
 *
 * <p>What the model supplies to an attached method: keys (head-averaged or full-width, as the
 * method asks), the guide query (vision: the cross token when the method uses one, else CLS; text:
 * the end-of-text token), attention probabilities and head-output norms when asked, a cross token
 * appended to the tower (initialised from CLS / end-of-text, refreshed each block with the learned
 * offset), and the dictionary for MADTP. Without a learned dictionary the training-free default is
 * the tower's output projection, transposed ({@code [E, C]}): each atom is the direction whose
 * activation becomes one coordinate of the shared image-text embedding, so dictionary matches
 * measure how much a token speaks to the joint space. Text tokens after the end-of-text token are
 * marked as padding by default: they merge among themselves first and never into real text
 * ({@link TextPadding}; {@link TextPadding#AUTHORS} runs them as the CrossGET authors do). A
 * CrossGET checkpoint's learned cross-token offsets are used when the method brings none.
 */
public final class ClipModel implements AutoCloseable {

    private final NDManager manager;
    private final boolean owner;
    private final ClipConfig config;
    private final ClipWeights weights;
    private final VisionTower vision;
    private final ReducingEncoder text;
    private final Map<Site, TowerReduction> reductions;
    private final TextPadding textPadding;
    private final Matmuls matmuls;

    /** How the text tower treats the positions after end-of-text while a method is attached. */
    public enum TextPadding {
        /**
         * The default: positions after end-of-text are padding. They are masked as attention keys,
         * merge only among themselves (and first), never into real text, and the causal mask follows
         * each merged token's mean original position.
         */
        MASKED,
        /**
         * As the CrossGET authors run CLIP: every one of the context positions is a real token (the
         * reducer mostly merges padding, and may merge text into padding), and the causal mask is the
         * plain triangle over the current token order. Reproduces the authors' reduced outputs.
         */
        AUTHORS
    }

    private ClipModel(NDManager manager, boolean owner, ClipConfig config, ClipWeights weights,
            Map<Site, TowerReduction> reductions, TextPadding textPadding, Matmuls matmuls) {
        this.manager = manager;
        this.owner = owner;
        this.config = config;
        this.weights = weights;
        this.matmuls = matmuls;
        this.vision = new VisionTower(weights.vision(), config.activation(), matmuls);
        this.text = new ReducingEncoder(weights.textBlocks(), config.activation(), KeyMasking.WHEN_REDUCED, matmuls);
        this.reductions = reductions;
        this.textPadding = textPadding;
    }

    /** Loads a model directory or safetensors file onto {@code device} (CPU or a CUDA GPU). */
    public static ClipModel load(Path path, Device device) throws IOException {
        return load(path, device, null);
    }

    /** As {@link #load(Path, Device)}, overriding the MLP activation. */
    public static ClipModel load(Path path, Device device, Activation activation) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        try {
            ClipLoader.Loaded l = ClipLoader.load(path, m, device, activation);
            return new ClipModel(m, true, l.config(), l.weights(), new EnumMap<>(Site.class),
                    TextPadding.MASKED, Matmuls.FP32);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Builds a model from tensors already on {@code manager} (either naming; geometry inferred).
     * The model does not own {@code manager}: closing the model leaves it open.
     */
    public static ClipModel of(Map<String, NDArray> tensors, NDManager manager, Activation activation) {
        return of(tensors, null, manager, activation);
    }

    /** As {@link #of(Map, NDManager, Activation)}, with a Hugging Face {@code config.json} (null: inferred). */
    public static ClipModel of(Map<String, NDArray> tensors, JsonObject config, NDManager manager,
            Activation activation) {
        return of(ClipLoader.fromTensors("(in memory)", tensors, config, manager, manager.getDevice(), activation),
                manager);
    }

    /** A model of loaded parts on {@code manager} (not owned by the model: closing it leaves the manager open). */
    public static ClipModel of(ClipLoader.Loaded loaded, NDManager manager) {
        return new ClipModel(manager, false, loaded.config(), loaded.weights(), new EnumMap<>(Site.class),
                TextPadding.MASKED, Matmuls.FP32);
    }

    /**
     * This model (same reductions, shared weights) with the linear layers of both towers in
     * {@code precision}: weights are prepared once here (bf16 copies or packed int8) and live until
     * the model is closed, so keep the returned model rather than calling this per request. Norms,
     * softmax and every reduction decision stay in float32. {@link Precision#AUTO} picks the fastest
     * the device supports; a precision the CPU cannot run fast falls back to float32 with one log line.
     */
    public ClipModel withPrecision(Precision precision) {
        Matmuls mm = precision == matmuls.precision() ? matmuls
                : Matmuls.prepare(precision, Stream.concat(
                        ReducingEncoder.linears(weights.vision().blocks()).stream(),
                        ReducingEncoder.linears(weights.textBlocks()).stream()).toList());
        return new ClipModel(manager, false, config, weights, reductions, textPadding, mm);
    }

    /** The precision of this model's linear layers (never {@link Precision#AUTO}). */
    public Precision precision() {
        return matmuls.precision();
    }

    /**
     * This model with {@code reduction} attached to {@code site} (replacing any before). A method
     * that uses a cross token gets the checkpoint's learned offsets unless the reduction brings its
     * own; MADTP gets the training-free dictionary unless given one.
     */
    public ClipModel withReduction(Site site, TowerReduction reduction) {
        if (site == Site.FUSION) {
            throw new IllegalArgumentException("site: CLIP has the VISION_BLOCKS and TEXT_BLOCKS sites, not " + site
                    + " (a dual encoder has no cross-attention)");
        }
        boolean isVision = site == Site.VISION_BLOCKS;
        TowerReduction resolved = reduction
                .requireNoCrossAttention("CLIP (a dual encoder)", "attach it to BLIP or ViLT")
                .resolve(site + " site", isVision ? config.visionLayers() : config.textLayers(),
                        isVision ? config.visionWidth() : config.textWidth(),
                        isVision ? weights.crossImage() : weights.crossText(),
                        () -> (isVision ? weights.visionProjT() : weights.textProjT()).transpose());
        Map<Site, TowerReduction> next = new EnumMap<>(Site.class);
        next.putAll(reductions);
        next.put(site, resolved);
        return new ClipModel(manager, false, config, weights, next, textPadding, matmuls);
    }

    /** This model with no reduction. */
    public ClipModel withoutReduction() {
        return new ClipModel(manager, false, config, weights, new EnumMap<>(Site.class), textPadding, matmuls);
    }

    /** This model with another text padding policy (default {@link TextPadding#MASKED}). */
    public ClipModel withTextPadding(TextPadding policy) {
        if (policy == null) {
            throw new IllegalArgumentException("textPadding: must not be null");
        }
        return new ClipModel(manager, false, config, weights, reductions, policy, matmuls);
    }

    /** The checkpoint's learned CrossGET cross-token offsets for {@code site}, [L, C], if it has them. */
    public java.util.Optional<NDArray> crossOffsets(Site site) {
        return java.util.Optional.ofNullable(site == Site.VISION_BLOCKS ? weights.crossImage()
                : site == Site.TEXT_BLOCKS ? weights.crossText() : null);
    }

    public ClipConfig config() {
        return config;
    }

    /** The device the weights live on. */
    public Device device() {
        return manager.getDevice();
    }

    /** Embeddings with the token count after each block. */
    public record Encoded(NDArray embeddings, int[] tokensPerLayer) {}

    /** Projected image features [B, E] (not normalised) of preprocessed pixels [B, 3, S, S]. */
    public NDArray imageFeatures(NDArray pixels) {
        return encodeImage(pixels).embeddings();
    }

    /** {@link #imageFeatures} with the per-layer token counts. */
    public Encoded encodeImage(NDArray pixels) {
        return encodeImage(pixels, null);
    }

    /** As {@link #encodeImage(NDArray)}, calling {@code observer} (may be null) after each block. */
    Encoded encodeImage(NDArray pixels, ReducingEncoder.BlockObserver observer) {
        NDManager caller = pixels.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ReducingEncoder.Output out = vision.forward(pixels, reductions.get(Site.VISION_BLOCKS), observer);
            NDArray feats = out.tokens().hidden().get(":, 0, :").matMul(weights.visionProjT());
            return new Encoded(keep(feats, caller, scope), out.tokensPerLayer());
        }
    }

    /** Projected text features [B, E] (not normalised) of token ids [B, context]. */
    public NDArray textFeatures(NDManager caller, long[][] ids) {
        return encodeText(caller, ids).embeddings();
    }

    /** {@link #textFeatures} with the per-layer token counts. */
    public Encoded encodeText(NDManager caller, long[][] ids) {
        int b = ids.length;
        int ctx = config.context();
        long[] flat = new long[b * ctx];
        for (int i = 0; i < b; i++) {
            if (ids[i].length != ctx) {
                throw new IllegalArgumentException("ids: sample " + i + " has " + ids[i].length
                        + " tokens; expected shape [B, " + ctx + "] (pad with the end-of-text id)");
            }
            for (int j = 0; j < ctx; j++) {
                long id = ids[i][j];
                if (id < 0 || id >= config.vocab()) {
                    throw new IllegalArgumentException("ids: token " + id + " at [" + i + ", " + j
                            + "] outside the vocabulary [0, " + config.vocab() + ")");
                }
                flat[i * ctx + j] = id;
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Encoded e = encodeText(manager.create(flat, new Shape(b, ctx)), null);
            return new Encoded(keep(e.embeddings(), caller, scope), e.tokensPerLayer());
        }
    }

    /**
     * Projected text features of checked token ids [B, context] (int64, on the weights' device),
     * calling {@code observer} (may be null) after each block. Everything that differs per sample
     * (the end-of-text position: the first occurrence of the largest id; the guide, masks and
     * protection that follow from it) is computed from {@code ids} as arrays, so the ONNX export
     * traces it. The result belongs to the current scope.
     */
    Encoded encodeText(NDArray ids, ReducingEncoder.BlockObserver observer) {
        int ctx = config.context();
        NDArray x = Ops.embed(weights.tokenEmbedding(), ids).add(weights.textPositions().expandDims(0));
        TowerReduction red = reductions.get(Site.TEXT_BLOCKS);
        boolean cross = red != null && red.reducer().usesCrossToken();
        int n = cross ? ctx + 1 : ctx;
        boolean masked = red != null && textPadding == TextPadding.MASKED;
        long b = ids.getShape().get(0);
        NDArray eot = Tensors.argMaxFirst(ids, 1).expandDims(1); // [B, 1]: the end-of-text position
        NDArray position = Tensors.arange(ids, n).expandDims(0); // [1, n]
        NDArray guide = position.eq(eot).toType(DataType.FLOAT32, false);
        if (cross) {
            NDArray eotVec = guide.get(":, :" + ctx).expandDims(1).matMul(x);
            x = NDArrays.concat(new NDList(x, eotVec), 1);
        }
        NDArray pinned = position.eq(0).logicalOr(position.eq(eot));
        if (cross) {
            pinned = pinned.logicalOr(position.eq(n - 1));
        }
        TokenSet.Builder t = TokenSet.builder(x).protectedMask(pinned.toType(DataType.FLOAT32, false))
                .attach(ReducingEncoder.GUIDE, guide);
        if (masked) {
            NDArray real = position.lte(eot).logicalOr(position.eq(ctx));
            t.keyMask(real.toType(DataType.FLOAT32, false)).attach(ReducingEncoder.POSITION,
                    position.toType(DataType.FLOAT32, false).broadcast(b, n));
        }
        ReducingEncoder.Output out = text.forward(t.build(), red, true, true, observer);
        NDArray h = Ops.layerNorm(out.tokens().hidden(), weights.lnFinal());
        NDArray feats = out.tokens().select(ReducingEncoder.GUIDE, h).matMul(weights.textProjT());
        return new Encoded(feats, out.tokensPerLayer());
    }

    /** L2-normalised image embeddings [B, E]. */
    public NDArray encodeImages(NDArray pixels) {
        return normalize(imageFeatures(pixels));
    }

    /**
     * L2-normalised image embeddings [N][E] of decoded images, resized and normalised as CLIP does
     * ({@link ClipImageProcessor}); the everyday call of an embedding job. Thread-safe.
     */
    public float[][] embed(List<BufferedImage> images) {
        if (images.isEmpty()) {
            return new float[0][];
        }
        try (NDManager m = NDManager.newBaseManager(device())) {
            return Tensors.rows(encodeImages(new ClipImageProcessor(config.imageSize()).batch(m, images)));
        }
    }

    /** L2-normalised text embeddings [N][E] of {@code texts}, tokenised by {@code tokenizer}. Thread-safe. */
    public float[][] embedTexts(ClipTokenizer tokenizer, List<String> texts) {
        if (texts.isEmpty()) {
            return new float[0][];
        }
        try (NDManager m = NDManager.newBaseManager(device())) {
            return Tensors.rows(encodeTexts(m, tokenizer.encode(texts)));
        }
    }

    /** L2-normalised text embeddings [B, E]. */
    public NDArray encodeTexts(NDManager caller, long[][] ids) {
        return normalize(textFeatures(caller, ids));
    }

    /** The learned temperature {@code exp(logit_scale)}. */
    public float logitScale() {
        return (float) Math.exp(weights.logitScale());
    }

    /** CLIP logits per image [B_img, B_txt]: {@code exp(logit_scale) · cos}. */
    public NDArray logitsPerImage(NDArray pixels, long[][] ids) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray img = encodeImages(pixels);
            NDArray txt = encodeTexts(pixels.getManager(), ids);
            NDArray out = img.matMul(txt.transpose()).mul(logitScale());
            NDScope.unregister(out);
            return out;
        }
    }

    /**
     * Zero-shot classification: class probabilities [B, K] for {@code classIds} (K classes, each a
     * [T, context] array of its prompt templates, tokenised), using the mean of each class's
     * normalised prompt embeddings (CLIP's prompt ensembling).
     */
    public NDArray classify(NDArray pixels, long[][][] classIds) {
        NDManager caller = pixels.getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList classes = new NDList();
            for (long[][] prompts : classIds) {
                classes.add(normalize(encodeTexts(caller, prompts).mean(new int[] {0}, true)));
            }
            NDArray txt = NDArrays.concat(classes, 0);
            NDArray out = encodeImages(pixels).matMul(txt.transpose()).mul(logitScale()).softmax(1);
            NDScope.unregister(out);
            return out;
        }
    }

    /** Image-text retrieval: for each query row of {@code similarity}, the indices of its top k. */
    public static long[][] topK(NDArray similarity, int k) {
        long rows = similarity.getShape().get(0);
        long cols = similarity.getShape().get(1);
        if (k < 1 || k > cols) {
            throw new IllegalArgumentException("k: must be in [1, " + cols + "] but was " + k);
        }
        long[] idx = similarity.argSort(1, false).get(":, :" + k).toLongArray();
        long[][] out = new long[(int) rows][k];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(idx, r * k, r * k + k);
        }
        return out;
    }

    private static NDArray normalize(NDArray x) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out = x.div(x.square().sum(new int[] {1}, true).sqrt().maximum(1e-12f));
            NDScope.unregister(out);
            x.close();
            return out;
        }
    }

    private static NDArray keep(NDArray result, NDManager caller, NDScope scope) {
        NDScope.unregister(result);
        result.attach(caller);
        return result;
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
