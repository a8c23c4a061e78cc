package io.github.tokenreduce.djl.vilt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.nn.Matmuls;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.nn.KeyMasking;
import io.github.tokenreduce.djl.nn.Ops;
import io.github.tokenreduce.djl.nn.ReducingEncoder;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * ViLT (Kim et al., ICML 2021), PuMer's own model, block by block in DJL: one pre-LN encoder over
 * {@code [text tokens, image CLS, image patches]} with a reduction site in every block, after the
 * attention residual and before the MLP, where PuMer prunes and merges (Cao et al., ACL 2023 §3).
 *
 * <p>Embeddings as Hugging Face's {@code ViltEmbeddings}: BERT text embeddings (word + position +
 * token type, LayerNorm); patches of the padded image with their position embeddings resized per
 * image (bilinear, align corners) to its valid patch grid from the pixel mask; every image keeps
 * the batch's largest valid patch count (its valid patches row-major, then its first padding
 * patches row-major, the deterministic order the fixtures fix); modality-type embeddings 0 (text)
 * and 1 (image). The key mask covers text and image padding. Text [CLS] and image [CLS] are
 * protected. Heads: the pooler ({@code tanh(dense(LN(x)[0]))}), the VQA classifier and the
 * retrieval {@code rank_output}, where the checkpoint has them.
 *
 * <p>{@link Site#FUSION} is the single-stream site: the model supplies the keys, the attention and
 * its text-to-image block, and the modality spans. {@link KeyMasking#PUMER_SOFTMAX} reproduces the
 * PuMer authors' attention normalisation. Immutable and thread-safe; each call runs in its own
 * {@link NDScope}.
 */
public final class ViltModel implements AutoCloseable {

    private final NDManager manager;
    private final boolean owner;
    private final ViltConfig config;
    private final ViltWeights weights;
    private final ReducingEncoder encoder;
    private final KeyMasking masking;
    private final TowerReduction reduction;
    private final Matmuls matmuls;

    private ViltModel(NDManager manager, boolean owner, ViltConfig config, ViltWeights weights, KeyMasking masking,
            TowerReduction reduction, Matmuls matmuls) {
        this.manager = manager;
        this.owner = owner;
        this.config = config;
        this.weights = weights;
        this.masking = masking;
        this.matmuls = matmuls;
        this.encoder = new ReducingEncoder(weights.blocks(), Activation.GELU, masking, matmuls);
        this.reduction = reduction;
    }

    /** Loads a model directory or safetensors file (Hugging Face or dandelin/PuMer naming). */
    public static ViltModel load(Path path, Device device) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        try {
            ViltLoader.Loaded l = ViltLoader.load(path, m, device);
            return new ViltModel(m, true, l.config(), l.weights(), KeyMasking.ALWAYS, null, Matmuls.FP32);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Builds a model from tensors on {@code manager} (not owned by the model). */
    public static ViltModel of(Map<String, NDArray> tensors, NDManager manager) {
        return of(tensors, null, manager);
    }

    /** As {@link #of(Map, NDManager)}, with a Hugging Face {@code config.json} (null: inferred). */
    public static ViltModel of(Map<String, NDArray> tensors, JsonObject config, NDManager manager) {
        ViltLoader.Loaded l = ViltLoader.fromTensors("(in memory)", tensors, config, manager);
        return new ViltModel(manager, false, l.config(), l.weights(), KeyMasking.ALWAYS, null, Matmuls.FP32);
    }

    public ViltConfig config() {
        return config;
    }

    /**
     * This model (same reductions, shared weights) with the linear layers of the encoder in
     * {@code precision}: weights are prepared once here (bf16 copies or packed int8) and live until
     * the model is closed, so keep the returned model rather than calling this per request. Norms,
     * softmax and every reduction decision stay in float32. {@link Precision#AUTO} picks the fastest
     * the device supports; a precision the CPU cannot run fast falls back to float32 with one log line.
     */
    public ViltModel withPrecision(Precision precision) {
        Matmuls mm = precision == matmuls.precision() ? matmuls
                : Matmuls.prepare(precision, ReducingEncoder.linears(weights.blocks()));
        return new ViltModel(manager, false, config, weights, masking, reduction, mm);
    }

    /** The precision of this model's linear layers (never {@link Precision#AUTO}). */
    public Precision precision() {
        return matmuls.precision();
    }

    /**
     * This model with {@code reduction} at the single-stream site ({@link Site#FUSION}: text and
     * image in one sequence; {@link Site#VISION_BLOCKS} and {@link Site#TEXT_BLOCKS} name the same site here).
     */
    public ViltModel withReduction(Site site, TowerReduction reduction) {
        if (site == null) {
            throw new IllegalArgumentException("site: must not be null");
        }
        TowerReduction resolved = reduction.resolve("ViLT encoder", config.layers(), config.width(), null, () -> {
            throw new IllegalArgumentException("dictionary: ViLT has no projection to derive MADTP's training-free "
                    + "dictionary from; pass a dictionary [M, " + config.width() + "]");
        });
        return new ViltModel(manager, false, config, weights, masking, resolved, matmuls);
    }

    /**
     * This model with another attention normalisation: {@link KeyMasking#ALWAYS} (Hugging Face's
     * additive mask, the default) or {@link KeyMasking#PUMER_SOFTMAX} (the PuMer authors' ViLT).
     */
    public ViltModel withMasking(KeyMasking keyMasking) {
        if (keyMasking == null || keyMasking == KeyMasking.WHEN_REDUCED) {
            throw new IllegalArgumentException("masking: ViLT always masks padding; expected ALWAYS or PUMER_SOFTMAX, got "
                    + keyMasking);
        }
        return new ViltModel(manager, false, config, weights, keyMasking, reduction, matmuls);
    }

    /**
     * The encoder's output.
     *
     * @param lastHidden [B, N', C] after the final norm ({@code [text', image']})
     * @param keyMask [B, N'] the final key mask (fractional after PuMer's text merging)
     * @param pooler [B, C]
     * @param tokensPerLayer token count after each block
     */
    public record Output(NDArray lastHidden, NDArray keyMask, NDArray pooler, int[] tokensPerLayer) {}

    /** Runs the encoder and the pooler. */
    public Output encode(ViltBatch batch) {
        return encode(batch, null);
    }

    /** As {@link #encode(ViltBatch)}, showing {@code observer} the token set after each block. */
    public Output encode(ViltBatch batch, ReducingEncoder.BlockObserver observer) {
        NDManager caller = batch.pixels().getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Output out = forward(batch, observer);
            return new Output(keep(out.lastHidden(), caller), keep(out.keyMask(), caller), keep(out.pooler(), caller),
                    out.tokensPerLayer());
        }
    }

    /** VQA answer logits [B, answers]. */
    public NDArray vqaLogits(ViltBatch batch) {
        if (weights.vqa() == null) {
            throw new IllegalStateException("this ViLT checkpoint has no VQA head (classifier.* / vqa_classifier.*)");
        }
        NDManager caller = batch.pixels().getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return keep(vqa(forward(batch, null).pooler()), caller);
        }
    }

    /** Image-text retrieval scores [B, 1] ({@code rank_output} on the pooler). */
    public NDArray rankScores(ViltBatch batch) {
        if (weights.rankT() == null) {
            throw new IllegalStateException("this ViLT checkpoint has no retrieval head (rank_output.*)");
        }
        NDManager caller = batch.pixels().getManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return keep(rank(forward(batch, null).pooler()), caller);
        }
    }

    /** The number of text token types (segments) the checkpoint embeds. */
    int textTypes() {
        return (int) weights.textTypes().getShape().get(0);
    }

    /** The VQA head on the pooler [B, C], or null when the checkpoint has none. */
    NDArray vqa(NDArray pooler) {
        ViltWeights.VqaHead h = weights.vqa();
        if (h == null) {
            return null;
        }
        NDArray x = Ops.linear(pooler, h.fc1T(), h.fc1B());
        x = Activation.GELU.apply(Ops.layerNorm(x, h.ln()));
        return Ops.linear(x, h.fc2T(), h.fc2B());
    }

    /** The retrieval head on the pooler [B, C], or null when the checkpoint has none. */
    NDArray rank(NDArray pooler) {
        return weights.rankT() == null ? null : Ops.linear(pooler, weights.rankT(), weights.rankB());
    }

    private Output forward(ViltBatch batch, ReducingEncoder.BlockObserver observer) {
        TextBatch text = batch.text();
        int b = text.batch();
        int t = text.length();
        if (t > config.maxText()) {
            throw new IllegalArgumentException("text: length " + t + " exceeds the " + config.maxText()
                    + " text position embeddings");
        }
        long[] ids = TextBatch.flatten(text.ids());
        long[] types = TextBatch.flatten(text.types());
        long typeCount = weights.textTypes().getShape().get(0);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocab()) {
                throw new IllegalArgumentException("text: token " + ids[i] + " at [" + i / t + ", " + i % t
                        + "] outside the vocabulary [0, " + config.vocab() + ")");
            }
            if (types[i] < 0 || types[i] >= typeCount) {
                throw new IllegalArgumentException("text: token type " + types[i] + " at [" + i / t + ", " + i % t
                        + "] outside [0, " + typeCount + ")");
            }
        }
        Shape shape = new Shape(b, t);
        NDArray mask = manager.create(TextBatch.flatten(text.mask()), shape).toType(DataType.FLOAT32, false);
        return forward(manager.create(ids, shape), manager.create(types, shape), mask,
                batch.pixels().toDevice(manager.getDevice(), false).toType(DataType.FLOAT32, false),
                batch.pixelMask() == null ? null : batch.pixelMask().toDevice(manager.getDevice(), false), false,
                observer);
    }

    /**
     * The encoder and pooler on checked arrays on the weights' device: token ids, token types [B, T]
     * (int64) and the attention mask [B, T] (float32, 1 on real tokens), pixels [B, 3, H, W] (float32)
     * and the pixel mask [B, H, W] (null: all real). Everything that differs per sample (embeddings,
     * masks, the image's valid grid, positions and patch order) is computed from the arrays, so the
     * ONNX export traces it; with {@code fullGrid} every image keeps all its patches (valid first)
     * instead of the batch's largest valid count ({@link ViltImageEmbedding#embed}). The result
     * belongs to the current scope.
     */
    Output forward(NDArray ids, NDArray types, NDArray textMask, NDArray pixels, NDArray pixelMask,
            boolean fullGrid, ReducingEncoder.BlockObserver observer) {
        int t = (int) ids.getShape().get(1);
        NDArray textX = Ops.layerNorm(Ops.embed(weights.words(), ids)
                .add(weights.textPositions().get(":" + t).expandDims(0))
                .add(Ops.embed(weights.textTypes(), types)), weights.textLn());
        ViltImageEmbedding.Embedded img = new ViltImageEmbedding(config, weights).embed(pixels, pixelMask, fullGrid);
        NDArray x = NDArrays.concat(new NDList(textX.add(weights.modality().get(0)),
                img.tokens().add(weights.modality().get(1))), 1);
        NDArray mask = NDArrays.concat(new NDList(textMask, img.mask()), 1);
        int li = (int) img.tokens().getShape().get(1);
        TokenSet tokens = TokenSet.builder(x).keyMask(mask).protect(0, t).spans(ModalitySpans.textThenImage(t, li))
                .build();
        ReducingEncoder.Output out = encoder.forward(tokens, reduction, false, false, observer);
        NDArray last = Ops.layerNorm(out.tokens().hidden(), weights.finalLn());
        NDArray pooler = Ops.linear(last.get(":, 0, :"), weights.poolerT(), weights.poolerB()).tanh();
        return new Output(last, out.tokens().keyMask(), pooler, out.tokensPerLayer());
    }

    private static NDArray keep(NDArray a, NDManager caller) {
        NDScope.unregister(a);
        a.attach(caller);
        return a;
    }

    /** Frees the weights (only on the instance {@link #load} returned). */
    @Override
    public void close() {
        if (owner) {
            manager.close();
        }
    }
}
