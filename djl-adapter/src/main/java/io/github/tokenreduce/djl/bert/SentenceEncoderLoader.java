package io.github.tokenreduce.djl.bert;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.tokenreduce.djl.nn.BertLayerWeights;
import io.github.tokenreduce.djl.nn.BertLayers;
import io.github.tokenreduce.djl.nn.LayerNormWeights;
import io.github.tokenreduce.djl.export.Tracer;
import io.github.tokenreduce.djl.nn.Matmuls;
import io.github.tokenreduce.djl.weights.WeightMismatchException;
import io.github.tokenreduce.djl.weights.WeightStore;
import io.github.tokenreduce.djl.weights.onnx.OnnxModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds a {@link SentenceEncoder} from a BERT ONNX export and its {@code tokenizer.json}: finds the
 * files (a folder, a file, or the streams of a bundled jar), reads the geometry from the weights and
 * the graph, the weights into BERT layers, the training-free MADTP dictionary, and the tokenizer with
 * its own truncation and padding switched off.
 */
public final class SentenceEncoderLoader {

    private static final int DICTIONARY_ATOMS = 64;
    private static final int BATCH = 16;
    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    private SentenceEncoderLoader() {}

    /**
     * Loads the encoder in {@code folder} (one {@code .onnx} file and {@code tokenizer.json}), or the
     * {@code .onnx} file {@code folder} names with the {@code tokenizer.json} beside it.
     */
    public static SentenceEncoder fromFolder(Path folder, SentenceEncoderConfig.Pooling pooling, Device device)
            throws IOException {
        Path onnx = onnxIn(folder);
        return fromOnnx(onnx, onnx.resolveSibling("tokenizer.json"), pooling, device);
    }

    /** Loads an ONNX export and its {@code tokenizer.json} onto {@code device}. */
    public static SentenceEncoder fromOnnx(Path onnx, Path tokenizerJson, SentenceEncoderConfig.Pooling pooling,
            Device device) throws IOException {
        try (InputStream model = Files.newInputStream(onnx); InputStream tok = Files.newInputStream(tokenizerJson)) {
            return fromOnnx(model, onnx.toString(), tok, pooling, device);
        }
    }

    /** As {@link #fromOnnx(Path, Path, SentenceEncoderConfig.Pooling, Device)}, from streams (jar resources). */
    public static SentenceEncoder fromOnnx(InputStream onnx, String source, InputStream tokenizerJson,
            SentenceEncoderConfig.Pooling pooling, Device device) throws IOException {
        OnnxModel model = OnnxModel.read(onnx, source);
        NDManager m = NDManager.newBaseManager(device);
        HuggingFaceTokenizer tok = null;
        try {
            Map<String, NDArray> tensors = OnnxBert.tensors(model, source, m);
            SentenceEncoderConfig config = geometry(model, tensors, source, pooling, m);
            SentenceEncoderWeights w = weights(tensors, config, source);
            tok = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("padding", "false", "truncation", "false",
                    "addSpecialTokens", "false"));
            long[] clsSep = tok.encode("", true, false).getIds();
            if (clsSep.length != 2) {
                throw new IllegalArgumentException("tokenizer: " + source + "'s tokenizer does not wrap text in [CLS] … [SEP] "
                        + "(special ids " + Arrays.toString(clsSep) + ")");
            }
            return new SentenceEncoder(m, true, config, w, new TextChunker(tok, clsSep[0], clsSep[1]), null, BATCH,
                    Matmuls.FP32);
        } catch (IOException | RuntimeException e) {
            if (tok != null) {
                tok.close();
            }
            m.close();
            throw e;
        }
    }

    /**
     * The encoder of the ONNX export {@code onnx} with its weights as constants of the trace {@code t}
     * and its arrays on {@code t}'s manager, for {@link SentenceEncoderOnnxExport} (no tokenizer, no
     * reduction, float32 products).
     */
    static SentenceEncoder traced(InputStream onnx, String source, Tracer t, SentenceEncoderConfig.Pooling pooling)
            throws IOException {
        OnnxModel model = OnnxModel.read(onnx, source);
        Map<String, NDArray> tensors = OnnxBert.tensors(model, source, t.witnessManager());
        SentenceEncoderConfig config = geometry(model, tensors, source, pooling, t.witnessManager());
        return new SentenceEncoder(t.manager(), false, config, weights(t.constants(tensors), config, source), null,
                null, BATCH, Matmuls.FP32);
    }

    /** The one {@code .onnx} file of {@code folder} beside a {@code tokenizer.json}, or {@code folder} if it is one. */
    static Path onnxIn(Path folder) throws IOException {
        if (Files.isRegularFile(folder) && folder.getFileName().toString().endsWith(".onnx")) {
            return folder;
        }
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model: expected a folder holding one .onnx file and tokenizer.json, "
                    + "but " + folder + " is not a folder");
        }
        List<Path> found;
        try (Stream<Path> s = Files.list(folder)) {
            found = s.filter(p -> p.getFileName().toString().endsWith(".onnx")).sorted().toList();
        }
        if (found.size() != 1 || !Files.isRegularFile(folder.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("model: expected one .onnx file and tokenizer.json in " + folder
                    + "; found " + found.size() + " .onnx file(s)"
                    + (Files.isRegularFile(folder.resolve("tokenizer.json")) ? "" : " and no tokenizer.json"));
        }
        return found.get(0);
    }

    private static SentenceEncoderConfig geometry(OnnxModel onnx, Map<String, NDArray> t, String source,
            SentenceEncoderConfig.Pooling pooling, NDManager m) {
        NDArray words = t.get("embeddings.word_embeddings.weight");
        NDArray inter = t.get("encoder.layer.0.intermediate.dense.weight");
        if (words == null || inter == null) {
            throw new WeightMismatchException(source, List.of("not a BERT encoder: embeddings.word_embeddings.weight or "
                    + "encoder.layer.0.intermediate.dense.weight is missing; names: "
                    + t.keySet().stream().limit(5).toList()));
        }
        int width = (int) words.getShape().get(1);
        int layers = new WeightStore(source, t).layerCount(LAYER);
        int heads = headsOf(onnx, m);
        float eps = epsOf(onnx, m);
        if (heads <= 0 || width % heads != 0) {
            throw new WeightMismatchException(source, List.of("cannot read the head count from the graph's attention "
                    + "reshape (/encoder/layer.0/attention/self/Reshape): found " + heads + " for width " + width));
        }
        return new SentenceEncoderConfig(width, layers, heads, (int) inter.getShape().get(0),
                (int) words.getShape().get(0), (int) t.get("embeddings.position_embeddings.weight").getShape().get(0),
                eps, pooling);
    }

    /** Heads from the constant [B, L, heads, d] shape the first attention layer reshapes its keys to. */
    private static int headsOf(OnnxModel onnx, NDManager m) {
        OnnxModel.Node reshape = onnx.node("/encoder/layer.0/attention/self/Reshape");
        if (reshape == null || reshape.inputs().size() < 2) {
            return -1;
        }
        OnnxModel.Node concat = onnx.producer(reshape.inputs().get(1));
        if (concat == null || !concat.opType().equals("Concat") || concat.inputs().size() != 4) {
            return -1;
        }
        NDArray heads = onnx.constant(concat.inputs().get(2), m);
        return heads == null ? -1 : (int) heads.toType(DataType.INT64, false).toLongArray()[0];
    }

    /** LayerNorm epsilon from the embeddings' decomposed LayerNorm, else 1e-12. */
    private static float epsOf(OnnxModel onnx, NDManager m) {
        OnnxModel.Node add = onnx.node("/embeddings/LayerNorm/Add");
        NDArray eps = add == null || add.inputs().size() < 2 ? null : onnx.constant(add.inputs().get(1), m);
        return eps == null ? 1e-12f : eps.toType(DataType.FLOAT32, false).toFloatArray()[0];
    }

    private static SentenceEncoderWeights weights(Map<String, NDArray> t, SentenceEncoderConfig c, String source) {
        WeightStore s = new WeightStore(source, t);
        int w = c.width();
        s.ignore("embeddings.position_ids");
        for (String n : List.copyOf(s.names())) {
            if (n.startsWith("pooler.")) {
                s.ignore(n); // BertModel's pooler: not part of a sentence embedding
            }
        }
        List<BertLayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            layers.add(BertLayers.huggingFace(s, "encoder.layer." + i + ".", w, w, c.intermediate(), c.heads(), c.eps()));
        }
        NDArray types = s.take("embeddings.token_type_embeddings.weight",
                Math.max(s.dim("embeddings.token_type_embeddings.weight", 0), 1), w);
        SentenceEncoderWeights out = new SentenceEncoderWeights(s.take("embeddings.word_embeddings.weight", c.vocab(), w),
                s.take("embeddings.position_embeddings.weight", c.maxPositions(), w), types,
                LayerNormWeights.take(s, "embeddings.LayerNorm", w, c.eps()), layers,
                dictionary(layers.get(layers.size() - 1)));
        s.finish();
        return out;
    }

    /** The 64 strongest write directions of the last feed-forward layer, [64, C]. */
    private static NDArray dictionary(BertLayerWeights last) {
        NDArray directions = last.outT(); // [I, C]: row i is what intermediate unit i writes
        if (directions == null) {
            return null;
        }
        NDArray norms = directions.square().sum(new int[] {1});
        int atoms = (int) Math.min(DICTIONARY_ATOMS, norms.getShape().get(0));
        NDArray top = norms.argSort(0, false).get(":" + atoms);
        return directions.get(top);
    }
}
