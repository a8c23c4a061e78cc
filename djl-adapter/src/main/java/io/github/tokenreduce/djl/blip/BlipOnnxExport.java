package io.github.tokenreduce.djl.blip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.Tracer;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;
import io.github.tokenreduce.djl.weights.ModelFiles;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Writes BLIP with its reduction inside as one self-contained ONNX graph (opset 17), traced from the
 * eager {@link BlipModel} through {@link OnnxExport} (see docs/export.md), so each method is defined
 * once. Two graphs:
 * <ul>
 *   <li>the image tower ({@link #exportImage}): input {@code pixels} float [batch, 3, S, S]
 *       (normalised), output {@code image_feat} float [batch, E], the ITC image features (the vision
 *       [CLS] through {@code vision_proj}, not normalised, as {@link BlipModel#imageFeatures});
 *   <li>image-text matching ({@link #exportItm}): inputs {@code pixels}, {@code input_ids} int64
 *       [batch, T] and {@code attention_mask} int64 [batch, T] (1 on real tokens, 0 on padding), T
 *       fixed when exported; outputs {@code itm_scores} float [batch] (match probabilities) and
 *       {@code itm_logits} float [batch, 2], as {@link BlipModel#match}.
 * </ul>
 * Both: batch dynamic, and {@code tokens_per_layer} int64 [L], the image tokens after each vision
 * block (including CLS and a cross token). The file is run in ONNX Runtime and checked against the
 * eager result before an export returns.
 */
public final class BlipOnnxExport {

    /** The text length BLIP's ITM pipelines pad captions to (its {@code max_length} 35). */
    public static final int ITM_TEXT_LENGTH = 35;

    /** The image tower graph's output: the ITC image features [batch, E]. */
    public static final String IMAGE_FEATURES = "image_feat";

    private BlipOnnxExport() {}

    /** As {@link #exportImage(Path, TowerReduction, Path, Precision)} in float32. */
    public static OnnxExport.Result exportImage(Path model, TowerReduction reduction, Path out) throws IOException {
        return exportImage(model, reduction, out, Precision.FP32);
    }

    /**
     * Exports the image tower of the BLIP model at {@code model} (a directory or weights file, as
     * {@link BlipModel#load}) with {@code reduction} at the vision site (null: unreduced) to {@code out},
     * with the products with weights in {@code precision} (fp32, or int8 checked by cosine).
     *
     * @throws UnsupportedOperationException when the method needs what the graph cannot express
     *     (counts decided per sample from the data, an operation with no ONNX form); nothing is
     *     written then
     * @throws IllegalArgumentException for a precision other than fp32 and int8, before anything is written
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one (the file is removed)
     */
    public static OnnxExport.Result exportImage(Path model, TowerReduction reduction, Path out, Precision precision)
            throws IOException {
        try (Tracer t = new Tracer(Device.cpu(), OnnxExport.int8(precision))) {
            BlipModel blip = traced(t, model, reduction == null ? Map.of() : Map.of(Site.VISION_BLOCKS, reduction));
            int s = blip.config().imageSize();
            NDArray example = OnnxExport.gaussian(t.witnessManager(), new Shape(OnnxExport.EXAMPLE_BATCH, 3, s, s));
            return OnnxExport.export(t, "blip_image", what("image tower", reduction == null ? Map.of()
                    : Map.of(Site.VISION_BLOCKS, reduction)), "pixels", example, (pixels, afterBlock) -> {
                        BlipModel.ImageFeatures f = blip.encodeImage(pixels,
                                (layer, tokens) -> afterBlock.accept(tokens.hidden()));
                        return new OnnxExport.Traced(Map.of(IMAGE_FEATURES, f.features()), f.tokensPerLayer());
                    }, out);
        }
    }

    /** As {@link #exportItm(Path, Map, int, Path, Precision)} with {@code vision} (null: none) at the vision site. */
    public static OnnxExport.Result exportItm(Path model, TowerReduction vision, int textLength, Path out,
            Precision precision) throws IOException {
        return exportItm(model, vision == null ? Map.of() : Map.of(Site.VISION_BLOCKS, vision), textLength, out,
                precision);
    }

    /**
     * Exports BLIP's image-text matching (the image tower, the text encoder cross-attending to it and the
     * ITM head) of the model at {@code model} with {@code reductions} by site to {@code out}. Texts are
     * {@code textLength} tokens long (pad shorter ones with id 0 and mask 0; {@link #ITM_TEXT_LENGTH} is
     * BLIP's). The traced example pairs two images with texts of different lengths (one padded); the
     * written graph is also run on single pairs with texts of 1, 2 and {@code textLength} real tokens and
     * on a batch without padding (probes), and must answer each as the eager model does.
     *
     * @param precision fp32 (int8 is refused: its check by cosine needs more than two logits per pair)
     * @throws IllegalArgumentException for a text length outside [1, the model's positions] or a
     *     precision other than fp32 and int8, before anything is written
     * @throws UnsupportedOperationException for int8, and when a method needs what the graph cannot
     *     express (counts decided per sample from the data, an operation with no ONNX form); nothing is
     *     written then
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one (the file is removed)
     */
    public static OnnxExport.Result exportItm(Path model, Map<Site, TowerReduction> reductions, int textLength,
            Path out, Precision precision) throws IOException {
        if (OnnxExport.int8(precision)) {
            throw new UnsupportedOperationException("ONNX export of the BLIP image-text matching in int8 refused "
                    + "(nothing written to " + out + "): the check after writing compares an int8 graph's output rows "
                    + "with the float32 eager ones by cosine, which two logits per pair cannot carry (on the fixture a "
                    + "cosine of 0.96 with the same decisions); export it in fp32, or the image tower in int8");
        }
        try (Tracer t = new Tracer(Device.cpu()); BlipModel loaded = BlipModel.load(model, Device.cpu())) {
            BlipConfig c = loaded.config();
            if (textLength < 1 || textLength > c.maxPositions()) {
                throw new IllegalArgumentException("textLength: " + textLength + " tokens; BLIP's text encoder at "
                        + model + " has " + c.maxPositions() + " positions, expected 1 to " + c.maxPositions()
                        + " (BLIP's ITM uses " + ITM_TEXT_LENGTH + ")");
            }
            BlipModel blip = traced(t, model, reductions);
            BlipModel eager = withReductions(loaded, reductions);
            NDManager m = t.witnessManager();
            Map<String, NDArray> example = inputs(m, c, new Random(0), textLength, textLength, textLength / 2 + 1);
            return OnnxExport.export(t, "blip_itm", what("image-text matching", reductions), example,
                    (in, afterBlock) -> {
                        NDArray mask = in.get("attention_mask").toType(DataType.FLOAT32, false);
                        BlipModel.Matching r = blip.match(in.get("pixels"), in.get("input_ids"), mask,
                                (layer, tokens) -> afterBlock.accept(tokens.hidden()));
                        Map<String, NDArray> outputs = new LinkedHashMap<>();
                        outputs.put("itm_scores", r.scores());
                        outputs.put("itm_logits", r.logits());
                        return new OnnxExport.Traced(outputs, r.visionTokens());
                    }, probes(eager, m, textLength), out);
        }
    }

    /**
     * Pairs whose text lengths (the padding the masks mark) the trace saw only once: single pairs with
     * 1, 2 and {@code textLength} real tokens, and two pairs without padding. A text's length steers the
     * guide its image is reduced by, computed in the graph; the probes catch a decision fixed instead.
     */
    private static List<OnnxExport.Probe> probes(BlipModel eager, NDManager m, int textLength) {
        List<int[]> lengths = List.of(new int[] {1}, new int[] {Math.min(2, textLength)}, new int[] {textLength},
                new int[] {textLength, textLength});
        List<OnnxExport.Probe> out = new ArrayList<>();
        Random r = new Random(1);
        for (int[] l : lengths) {
            Map<String, NDArray> in = inputs(m, eager.config(), r, textLength, l);
            TextBatch texts = new TextBatch(rows(in.get("input_ids")), rows(in.get("attention_mask")));
            BlipModel.Matching e = eager.match(in.get("pixels"), texts);
            Map<String, NDArray> expected = new LinkedHashMap<>();
            expected.put("itm_scores", e.scores());
            expected.put("itm_logits", e.logits());
            out.add(new OnnxExport.Probe(in, expected, e.visionTokens()));
        }
        return out;
    }

    /**
     * Graph inputs for {@code lengths.length} pairs: N(0, 1) pixels, and texts of {@code textLength} ids
     * whose first {@code lengths[i]} are real (a start id, then random ids), the rest padding (id 0, mask 0).
     */
    private static Map<String, NDArray> inputs(NDManager m, BlipConfig c, Random r, int textLength, int... lengths) {
        int b = lengths.length;
        int s = c.imageSize();
        float[] px = new float[b * 3 * s * s];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextGaussian();
        }
        long[] ids = new long[b * textLength];
        long[] mask = new long[b * textLength];
        long start = Math.min(101, c.vocab() - 1);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < lengths[i]; j++) {
                ids[i * textLength + j] = j == 0 ? start : 1 + r.nextInt(Math.max(c.vocab() - 1, 1));
                mask[i * textLength + j] = 1;
            }
        }
        Map<String, NDArray> in = new LinkedHashMap<>();
        in.put("pixels", m.create(px, new Shape(b, 3, s, s)));
        in.put("input_ids", m.create(ids, new Shape(b, textLength)));
        in.put("attention_mask", m.create(mask, new Shape(b, textLength)));
        return in;
    }

    private static long[][] rows(NDArray a) {
        int b = (int) a.getShape().get(0);
        int n = (int) a.getShape().get(1);
        long[] v = a.toLongArray();
        long[][] out = new long[b][n];
        for (int i = 0; i < b; i++) {
            System.arraycopy(v, i * n, out[i], 0, n);
        }
        return out;
    }

    /** The model at {@code path} on the tracer's arrays, with {@code reductions} by site. */
    private static BlipModel traced(Tracer t, Path path, Map<Site, TowerReduction> reductions) throws IOException {
        WeightFiles.Loaded w = WeightFiles.load(path, t.witnessManager(), Device.cpu());
        BlipModel plain = BlipModel.of(t.constants(w.tensors()), ModelFiles.config(path), t.manager());
        return withReductions(plain, reductions);
    }

    private static BlipModel withReductions(BlipModel model, Map<Site, TowerReduction> reductions) {
        BlipModel out = model;
        for (Site site : Site.values()) {
            if (reductions.containsKey(site)) {
                out = out.withReduction(site, reductions.get(site));
            }
        }
        return out;
    }

    private static String what(String graph, Map<Site, TowerReduction> reductions) {
        return "the BLIP " + graph + (reductions.isEmpty() ? "" : " with " + reductions.entrySet().stream()
                .map(e -> e.getValue().reducer().name() + " at " + e.getKey()).collect(Collectors.joining(", ")));
    }
}
