package io.github.tokenreduce.djl.vilt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.Tracer;
import io.github.tokenreduce.djl.nn.KeyMasking;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.ModelFiles;
import io.github.tokenreduce.djl.weights.WeightFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes ViLT with its reduction inside as one self-contained ONNX graph (opset 17), traced from the
 * eager {@link ViltModel} through {@link OnnxExport} (see docs/export.md, "ViLT"), so each method is
 * defined once. Inputs, batch dynamic, image size and text length fixed at export:
 * {@code pixels} float [batch, 3, H, W] (normalised, padded), {@code pixel_mask} int64 [batch, H, W]
 * (1 on image pixels), {@code input_ids}, {@code attention_mask} and {@code token_type_ids} int64
 * [batch, T]. Outputs: {@code pooler_output} [batch, C], {@code last_hidden_state} [batch, N', C]
 * (after the final norm), {@code qa_logits} [batch, answers] and {@code rank_score} [batch, 1] where
 * the checkpoint has those heads, and {@code tokens_per_layer} int64 [L], all tokens (text and image)
 * after each block. Every image keeps all Hp·Wp patches of the H×W input (its valid patches first):
 * the eager result on any batch in which one image fills H×W. The file is run in ONNX Runtime and
 * checked against the eager result before an export returns.
 */
public final class ViltOnnxExport {

    /** The text length ViLT's processor pads questions to ({@code max_length} 40, its position table). */
    public static final int TEXT_LENGTH = 40;

    /** The graph's inputs, in order. */
    public static final List<String> INPUTS = List.of("pixels", "pixel_mask", "input_ids", "attention_mask",
            "token_type_ids");

    private ViltOnnxExport() {}

    /**
     * Exports the ViLT model at {@code model} (a directory or weights file, as {@link ViltModel#load})
     * with {@code reduction} at its single-stream site (null: unreduced) and attention normalised by
     * {@code masking} ({@link KeyMasking#ALWAYS}, Hugging Face's, or {@link KeyMasking#PUMER_SOFTMAX},
     * the PuMer authors') to {@code out}, for images of {@code height × width} pixels and texts of
     * {@code textLength} tokens (pad shorter ones with id 0 and mask 0). The traced example pairs two
     * images, the second partly padded, with texts of different lengths; the written graph is also run
     * on probes (single pairs with texts of 1, 2 and T real tokens and a partly padded image, and two
     * unpadded pairs) and must answer each as the eager model does.
     *
     * @throws IllegalArgumentException for a text length outside [1, the model's text positions], an
     *     image smaller than one patch, or a masking other than those two, before anything is written
     * @throws UnsupportedOperationException when a method needs what the graph cannot express (counts
     *     decided per sample from the data, an operation with no ONNX form); nothing is written then
     * @throws IllegalStateException when ONNX Runtime's result differs from the eager one (the file is removed)
     */
    public static OnnxExport.Result export(Path model, TowerReduction reduction, KeyMasking masking, int height,
            int width, int textLength, Path out) throws IOException {
        try (Tracer t = new Tracer(Device.cpu()); ViltModel loaded = ViltModel.load(model, Device.cpu())) {
            ViltConfig c = loaded.config();
            if (textLength < 1 || textLength > c.maxText()) {
                throw new IllegalArgumentException("textLength: " + textLength + " tokens; ViLT at " + model + " has "
                        + c.maxText() + " text positions, expected 1 to " + c.maxText());
            }
            if (height < c.patch() || width < c.patch()) {
                throw new IllegalArgumentException("image: " + height + "x" + width + " pixels is smaller than one "
                        + c.patch() + "-pixel patch");
            }
            ViltModel eager = configured(loaded, reduction, masking);
            WeightFiles.Loaded w = WeightFiles.load(model, t.witnessManager(), Device.cpu());
            ViltModel traced = configured(ViltModel.of(t.constants(w.tensors()), ModelFiles.config(model),
                    t.manager()), reduction, masking);
            NDManager m = t.witnessManager();
            Geometry g = new Geometry(height, width, textLength, eager.textTypes());
            Map<String, NDArray> example = inputs(m, c, g, new Random(0), new int[] {textLength, textLength / 2 + 1},
                    new boolean[] {false, true});
            String what = "ViLT" + (reduction == null ? "" : " with " + reduction.reducer().name());
            return OnnxExport.export(t, "vilt", what, example, (in, afterBlock) -> {
                ViltModel.Output o = traced.forward(in.get("input_ids"), in.get("token_type_ids"),
                        in.get("attention_mask").toType(DataType.FLOAT32, false), in.get("pixels"),
                        in.get("pixel_mask"), true, (layer, tokens) -> afterBlock.accept(tokens.hidden()));
                return new OnnxExport.Traced(outputs(traced, o), o.tokensPerLayer());
            }, probes(eager, m, g), out);
        }
    }

    /** The image size, text length and token-type count the graph is made for. */
    private record Geometry(int height, int width, int textLength, int types) {}

    private static Map<String, NDArray> outputs(ViltModel model, ViltModel.Output o) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("pooler_output", o.pooler());
        out.put("last_hidden_state", o.lastHidden());
        NDArray qa = model.vqa(o.pooler());
        if (qa != null) {
            out.put("qa_logits", qa);
        }
        NDArray rank = model.rank(o.pooler());
        if (rank != null) {
            out.put("rank_score", rank);
        }
        return out;
    }

    /**
     * Pairs whose text lengths and image padding the trace saw only once: single pairs with 1, 2 and
     * T real tokens (the last with a partly padded image), and two unpadded pairs. Both steer values
     * computed in the graph (PuMer's text votes, the image's valid grid and positions); the probes
     * catch a decision fixed instead.
     */
    private static List<OnnxExport.Probe> probes(ViltModel eager, NDManager m, Geometry g) {
        List<int[]> lengths = List.of(new int[] {1}, new int[] {Math.min(2, g.textLength())},
                new int[] {g.textLength()}, new int[] {g.textLength(), g.textLength()});
        List<boolean[]> padded = List.of(new boolean[] {false}, new boolean[] {false}, new boolean[] {true},
                new boolean[] {false, false});
        List<OnnxExport.Probe> out = new ArrayList<>();
        Random r = new Random(1);
        for (int i = 0; i < lengths.size(); i++) {
            Map<String, NDArray> in = inputs(m, eager.config(), g, r, lengths.get(i), padded.get(i));
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                ViltModel.Output o = eager.forward(in.get("input_ids"), in.get("token_type_ids"),
                        in.get("attention_mask").toType(DataType.FLOAT32, false), in.get("pixels"),
                        in.get("pixel_mask"), true, null);
                Map<String, NDArray> expected = outputs(eager, o);
                expected.values().forEach(a -> {
                    NDScope.unregister(a);
                    a.attach(m);
                });
                out.add(new OnnxExport.Probe(in, expected, o.tokensPerLayer()));
            }
        }
        return out;
    }

    /**
     * Graph inputs for {@code lengths.length} pairs: N(0, 1) pixels (a padded image's padding 0 and
     * masked: its right third and bottom third cut off), and texts whose first {@code lengths[i]} ids
     * are real (a start id, then random ids; the second half of each text of token type 1 where the
     * model has two types), the rest padding (id 0, mask 0).
     */
    private static Map<String, NDArray> inputs(NDManager m, ViltConfig c, Geometry g, Random r, int[] lengths,
            boolean[] padded) {
        int b = lengths.length;
        int h = g.height();
        int w = g.width();
        int t = g.textLength();
        float[] px = new float[b * 3 * h * w];
        long[] pm = new long[b * h * w];
        for (int i = 0; i < b; i++) {
            int vh = padded[i] ? Math.max(c.patch(), h - h / 3) : h;
            int vw = padded[i] ? Math.max(c.patch(), w - w / 3) : w;
            for (int y = 0; y < vh; y++) {
                for (int x = 0; x < vw; x++) {
                    pm[(i * h + y) * w + x] = 1;
                    for (int ch = 0; ch < 3; ch++) {
                        px[((i * 3 + ch) * h + y) * w + x] = (float) r.nextGaussian();
                    }
                }
            }
        }
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        long[] types = new long[b * t];
        long start = Math.min(101, c.vocab() - 1);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < lengths[i]; j++) {
                ids[i * t + j] = j == 0 ? start : 1 + r.nextInt(Math.max(c.vocab() - 1, 1));
                mask[i * t + j] = 1;
                types[i * t + j] = g.types() > 1 && j >= lengths[i] / 2 + 1 ? 1 : 0;
            }
        }
        Map<String, NDArray> in = new LinkedHashMap<>();
        in.put("pixels", m.create(px, new Shape(b, 3, h, w)));
        in.put("pixel_mask", m.create(pm, new Shape(b, h, w)));
        in.put("input_ids", m.create(ids, new Shape(b, t)));
        in.put("attention_mask", m.create(mask, new Shape(b, t)));
        in.put("token_type_ids", m.create(types, new Shape(b, t)));
        return in;
    }

    private static ViltModel configured(ViltModel model, TowerReduction reduction, KeyMasking masking) {
        if (masking != KeyMasking.ALWAYS && masking != KeyMasking.PUMER_SOFTMAX) {
            throw new IllegalArgumentException("masking: expected ALWAYS (Hugging Face's) or PUMER_SOFTMAX (the "
                    + "PuMer authors'), got " + masking);
        }
        ViltModel out = model.withMasking(masking);
        return reduction == null ? out : out.withReduction(Site.FUSION, reduction);
    }
}
