package io.github.tokenreduce.bench.export;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.tokenreduce.cli.measure.Interleaved;
import io.github.tokenreduce.cli.text.OrtSentenceEncoder;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.nn.CpuFeatures;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.vit.VitLoader;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.vit.VitOnnxExport;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * ONNX Runtime (CPU, default threads) on four exported ViT-B/16 graphs with the same random weights
 * (timm naming, std 0.02, unit norms): unreduced and ToMe with a constant r, each with float32 and
 * with int8 products (dynamic quantization), at one batch. The sessions are timed in turn, round
 * after round, so a loaded machine slows all alike; ratios of the medians to float32 unreduced are
 * the figures.
 *
 * <p>{@code java -cp <benchmarks classes and dependencies> io.github.tokenreduce.bench.export.ExportedVitSpeed
 * [r=16] [batch=8] [rounds=12]}
 */
public final class ExportedVitSpeed {

    private ExportedVitSpeed() {}

    public static void main(String[] args) throws Exception {
        int r = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        Path dir = Files.createTempDirectory("tokenreduce-export");
        try {
            Path model = dir.resolve("model.safetensors");
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                SafetensorsWriter.write(model, vitB16(m), SafetensorsWriter.Encoding.F32);
            }
            VitLoader.Overrides o = new VitLoader.Overrides(12, 1e-6f);
            TowerReduction tomeR = TowerReduction.of(ToMeReducer.builder().r(r).build());
            Map<String, OnnxExport.Result> graphs = new LinkedHashMap<>();
            graphs.put("fp32 unreduced", VitOnnxExport.export(model, o, null, dir.resolve("vit.onnx")));
            graphs.put("fp32 ToMe r=" + r, VitOnnxExport.export(model, o, tomeR, dir.resolve("vit-tome.onnx")));
            graphs.put("int8 unreduced", VitOnnxExport.export(model, o, null, dir.resolve("vit-int8.onnx"),
                    Precision.INT8));
            graphs.put("int8 ToMe r=" + r, VitOnnxExport.export(model, o, tomeR, dir.resolve("vit-tome-int8.onnx"),
                    Precision.INT8));
            System.out.printf("ViT-B/16 224 px, random weights, batch %d, ONNX Runtime CPU; %s; %s (%d cores)%n", batch,
                    Instant.now(), CpuFeatures.current().model(), Runtime.getRuntime().availableProcessors());
            for (Map.Entry<String, OnnxExport.Result> g : graphs.entrySet()) {
                System.out.printf("%-16s tokens per layer %s, check against eager %s %.2e, %d MB%n", g.getKey(),
                        Arrays.toString(g.getValue().tokensPerLayer()),
                        g.getKey().startsWith("int8") ? "1 - min cosine" : "max diff", g.getValue().maxDifference(),
                        Files.size(g.getValue().file()) / 1_000_000);
            }
            float[] pixels = new float[batch * 3 * 224 * 224];
            java.util.Random rnd = new java.util.Random(1);
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) rnd.nextGaussian();
            }
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            List<OrtSession> sessions = new ArrayList<>();
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {batch, 3, 224, 224})) {
                for (OnnxExport.Result g : graphs.values()) {
                    sessions.add(OrtSentenceEncoder.session(Files.readAllBytes(g.file()), 0));
                }
                Map<String, OnnxTensor> feed = Map.of("pixels", in);
                int k = sessions.size();
                for (int i = 0; i < 2; i++) { // warm-up
                    for (OrtSession s : sessions) {
                        time(s, feed);
                    }
                }
                double[][] t = new double[k][rounds];
                for (int i = 0; i < rounds; i++) { // each round in another order, so drift slows all alike
                    for (int j = 0; j < k; j++) {
                        int c = i % 2 == 0 ? j : k - 1 - j;
                        t[c][i] = time(sessions.get(c), feed);
                    }
                }
                double base = Interleaved.median(t[0]);
                List<String> names = new ArrayList<>(graphs.keySet());
                for (int c = 0; c < k; c++) {
                    System.out.printf("%-16s median %7.1f ms  %.2fx fp32 unreduced  %s%n", names.get(c), Interleaved.median(t[c]),
                            base / Interleaved.median(t[c]), Arrays.toString(round(t[c])));
                }
            } finally {
                for (OrtSession s : sessions) {
                    s.close();
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static double time(OrtSession s, Map<String, OnnxTensor> feed) throws OrtException {
        long t0 = System.nanoTime();
        try (OrtSession.Result out = s.run(feed)) {
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    private static long[] round(double[] v) {
        return Arrays.stream(v).mapToLong(Math::round).toArray();
    }

    /** Random timm ViT-B/16 weights (1000 classes). */
    private static Map<String, NDArray> vitB16(NDManager m) throws IOException {
        int w = 768;
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("cls_token", normal(m, 1, 1, w));
        t.put("pos_embed", normal(m, 1, 197, w));
        t.put("patch_embed.proj.weight", normal(m, w, 3, 16, 16));
        t.put("patch_embed.proj.bias", m.zeros(new Shape(w)));
        for (int i = 0; i < 12; i++) {
            String p = "blocks." + i + ".";
            norm(m, t, p + "norm1", w);
            linear(m, t, p + "attn.qkv", 3 * w, w);
            linear(m, t, p + "attn.proj", w, w);
            norm(m, t, p + "norm2", w);
            linear(m, t, p + "mlp.fc1", 4 * w, w);
            linear(m, t, p + "mlp.fc2", w, 4 * w);
        }
        norm(m, t, "norm", w);
        linear(m, t, "head", 1000, w);
        return t;
    }

    private static void linear(NDManager m, Map<String, NDArray> t, String p, int out, int in) {
        t.put(p + ".weight", normal(m, out, in));
        t.put(p + ".bias", m.zeros(new Shape(out)));
    }

    private static void norm(NDManager m, Map<String, NDArray> t, String p, int w) {
        t.put(p + ".weight", m.ones(new Shape(w)));
        t.put(p + ".bias", m.zeros(new Shape(w)));
    }

    private static NDArray normal(NDManager m, long... dims) {
        return m.randomNormal(0f, 0.02f, new Shape(dims), DataType.FLOAT32);
    }
}
