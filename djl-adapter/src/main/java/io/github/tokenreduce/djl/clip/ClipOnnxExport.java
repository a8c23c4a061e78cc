package io.github.tokenreduce.djl.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.Tracer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a CLIP tower with its reduction inside as one self-contained ONNX graph (opset 17), traced
 * from the eager {@link ClipModel} through {@link OnnxExport} (see docs/export.md), so each method
 * is defined once. The image tower: input {@code pixels} float [batch, 3, S, S] (normalised), output
 * {@code image_embeds} float [batch, E] (as {@link ClipModel#imageFeatures}). The text tower: input
 * {@code input_ids} int64 [batch, context] (CLIP's fixed 77), output {@code text_embeds} float
 * [batch, E] (as {@link ClipModel#textFeatures}). Both: batch dynamic, and {@code tokens_per_layer}
 * int64 [L] (after each block, including CLS and a cross token). A CrossGET reduction brings the
 * checkpoint's learned cross-token offsets as the eager model does. The file is run in ONNX Runtime
 * and checked against the eager result before an export returns.
 */
public final class ClipOnnxExport {

    private ClipOnnxExport() {}

    /**
     * Exports the image tower of the CLIP model at {@code model} (a directory or weights file, as
     * {@link ClipModel#load}) with {@code reduction} at the vision site (null: unreduced) to {@code out}.
     *
     * @throws UnsupportedOperationException when the method needs what the graph cannot express
     *     (counts decided per sample from the data, an operation with no ONNX form); nothing is
     *     written then
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one
     */
    public static OnnxExport.Result exportImage(Path model, TowerReduction reduction, Path out) throws IOException {
        return exportImage(model, reduction, out, Precision.FP32);
    }

    /**
     * As {@link #exportImage(Path, TowerReduction, Path)} with the products with weights in {@code precision}:
     * float32, or int8 (dynamic quantization; checked by cosine, see {@link OnnxExport#INT8_MIN_COSINE}).
     *
     * @throws IllegalArgumentException for another precision, before anything is written
     */
    public static OnnxExport.Result exportImage(Path model, TowerReduction reduction, Path out, Precision precision)
            throws IOException {
        try (Tracer t = new Tracer(Device.cpu(), OnnxExport.int8(precision))) {
            ClipModel clip = traced(t, model, Site.VISION_BLOCKS, reduction);
            int s = clip.config().imageSize();
            NDArray example = OnnxExport.gaussian(t.witnessManager(), new Shape(OnnxExport.EXAMPLE_BATCH, 3, s, s));
            return OnnxExport.export(t, "clip_image", what("image", reduction), "pixels", example,
                    (pixels, afterBlock) -> {
                        ClipModel.Encoded e = clip.encodeImage(pixels,
                                (layer, tokens) -> afterBlock.accept(tokens.hidden()));
                        return new OnnxExport.Traced(Map.of("image_embeds", e.embeddings()), e.tokensPerLayer());
                    }, out);
        }
    }

    /**
     * Exports the text tower of the CLIP model at {@code model} with {@code reduction} at the text
     * site (null: unreduced) and the text padding policy {@code padding} to {@code out}. Input
     * {@code input_ids} int64 [batch, context] (CLIP's fixed context, padded as the tokenizer pads;
     * end-of-text is the first occurrence of the largest id), batch dynamic; outputs
     * {@code text_embeds} float [batch, E] (projected, not normalised, as {@link ClipModel#textFeatures})
     * and {@code tokens_per_layer}.
     *
     * @throws UnsupportedOperationException as {@link #exportImage}; nothing is written then
     */
    public static OnnxExport.Result exportText(Path model, TowerReduction reduction, ClipModel.TextPadding padding,
            Path out) throws IOException {
        try (Tracer t = new Tracer(Device.cpu()); ClipModel loaded = ClipModel.load(model, Device.cpu())) {
            ClipModel clip = traced(t, model, Site.TEXT_BLOCKS, reduction).withTextPadding(padding);
            ClipModel eager = (reduction == null ? loaded : loaded.withReduction(Site.TEXT_BLOCKS, reduction))
                    .withTextPadding(padding);
            NDArray example = exampleIds(t.witnessManager(), clip.config(), clip.config().context() - 1,
                    clip.config().context() / 3);
            return OnnxExport.export(t, "clip_text", what("text", reduction) + " (" + padding + " padding)",
                    "input_ids", example, (ids, afterBlock) -> {
                        ClipModel.Encoded e = clip.encodeText(ids,
                                (layer, tokens) -> afterBlock.accept(tokens.hidden()));
                        return new OnnxExport.Traced(Map.of("text_embeds", e.embeddings()), e.tokensPerLayer());
                    }, probes(eager, t.witnessManager()), out);
        }
    }

    /**
     * Texts that end at positions of either parity, very short ones included, one per probe: where
     * end-of-text lies (a protected token) decides how many tokens a fixed r can take in a layer, a
     * count the trace fixes.
     */
    private static List<OnnxExport.Probe> probes(ClipModel eager, NDManager m) {
        int ctx = eager.config().context();
        List<OnnxExport.Probe> out = new ArrayList<>();
        for (int eot : new int[] {1, 2, ctx / 2, ctx / 2 + 1}) {
            NDArray ids = exampleIds(m, eager.config(), eot);
            ClipModel.Encoded e = eager.encodeText(m, new long[][] {ids.toLongArray()});
            out.add(new OnnxExport.Probe(Map.of("input_ids", ids), Map.of("text_embeds", e.embeddings()), e.tokensPerLayer()));
        }
        return out;
    }

    /**
     * Token ids [eot.length, context]: start id (vocab − 2), random ids below it, end-of-text (the
     * largest id, vocab − 1) at {@code eot[i]} in text i, zeros after it (as CLIP's tokenizer pads).
     */
    private static NDArray exampleIds(NDManager m, ClipConfig config, int... eot) {
        int ctx = config.context();
        int vocab = config.vocab();
        Random r = new Random(eot[0]);
        long[] ids = new long[eot.length * ctx];
        for (int i = 0; i < eot.length; i++) {
            ids[i * ctx] = vocab - 2;
            for (int j = 1; j < eot[i]; j++) {
                ids[i * ctx + j] = 1 + r.nextInt(vocab - 3);
            }
            ids[i * ctx + eot[i]] = vocab - 1;
        }
        return m.create(ids, new Shape(eot.length, ctx));
    }

    /** The model at {@code path} on the tracer's arrays, with {@code reduction} (may be null) at {@code tower}. */
    private static ClipModel traced(Tracer t, Path path, Site tower, TowerReduction reduction) throws IOException {
        WeightFiles.Loaded w = WeightFiles.load(path, t.witnessManager(), Device.cpu());
        WeightFiles.Loaded constants = new WeightFiles.Loaded(w.source(), t.constants(w.tensors()), w.values());
        ClipModel plain = ClipModel.of(ClipLoader.fromFiles(path, constants, t.manager(), Device.cpu(), null),
                t.manager());
        return reduction == null ? plain : plain.withReduction(tower, reduction);
    }

    private static String what(String tower, TowerReduction reduction) {
        return "the CLIP " + tower + " tower" + (reduction == null ? "" : " with " + reduction.reducer().name());
    }
}
