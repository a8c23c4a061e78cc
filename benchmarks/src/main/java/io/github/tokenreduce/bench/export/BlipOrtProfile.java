package io.github.tokenreduce.bench.export;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import io.github.tokenreduce.cli.measure.Interleaved;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.djl.blip.BlipOnnxExport;
import io.github.tokenreduce.djl.blip.RandomBlipWeights;
import io.github.tokenreduce.djl.nn.CpuFeatures;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.weights.SafetensorsWriter;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * Where ONNX Runtime spends the time of BLIP's exported graphs (random weights, ViT-B/16 at 384 px + BERT-base,
 * float32): the image-text matching graph ({@code itm}, captions of 20 tokens, as {@code tokenreduce bench
 * random-blip} times it) or the image tower ({@code image}), unreduced, with ToMe r and with CrossGET r (the
 * bench's vision reducers: constant r, proportional attention). The three sessions run in turn, round after
 * round, each with ONNX Runtime's profiler on, so a loaded machine slows all alike: the medians' ratios and
 * the kernel time per operator type (after one warm-up forward) of each graph, side by side. The graphs
 * can be kept in a folder ({@code keep}, "-" for none), and graphs an earlier run kept (another build's) run
 * beside the three, in the same rounds: a before/after comparison in one interleaved run.
 *
 * <p>{@code java -cp <benchmarks classes and dependencies> io.github.tokenreduce.bench.export.BlipOrtProfile
 * [graph=itm|image] [r=40] [batch=2] [rounds=5] [keep=-] [earlier graph.onnx ...]}
 */
public final class BlipOrtProfile {

    private static final int TEXT_LENGTH = 20;

    private BlipOrtProfile() {}

    public static void main(String[] args) throws Exception {
        String kind = args.length > 0 ? args[0] : "itm";
        int r = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        if (!kind.equals("itm") && !kind.equals("image")) {
            throw new IllegalArgumentException("graph: '" + kind + "'; expected itm or image");
        }
        Path dir = Files.createTempDirectory("tokenreduce-blip-profile");
        Path model = dir.resolve("blip.safetensors");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(42);
            SafetensorsWriter.write(model, RandomBlipWeights.base(m), SafetensorsWriter.Encoding.F32);
        }
        model.toFile().deleteOnExit(); // 0.9 GB: gone even when an export fails
        Map<String, TowerReduction> methods = new LinkedHashMap<>();
        methods.put("unreduced", null);
        methods.put("ToMe r=" + r, TowerReduction.of(Levels.reducer("tome", Schedule.constant(r), true)));
        methods.put("CrossGET r=" + r, TowerReduction.of(Levels.reducer("crossget", Schedule.constant(r), true)));
        Path keep = args.length > 4 && !args[4].equals("-") ? Files.createDirectories(Path.of(args[4])) : null;
        Map<String, OrtOpProfile> sessions = new LinkedHashMap<>();
        int k = 0;
        for (Map.Entry<String, TowerReduction> e : methods.entrySet()) {
            String file = kind + "-" + e.getKey().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "") + ".onnx";
            Path graph = (keep != null ? keep : dir).resolve(file);
            if (kind.equals("itm")) {
                BlipOnnxExport.exportItm(model, e.getValue(), TEXT_LENGTH, graph, Precision.FP32);
            } else {
                BlipOnnxExport.exportImage(model, e.getValue(), graph, Precision.FP32);
            }
            sessions.put(e.getKey(), new OrtOpProfile(graph, dir, "graph" + k++, false));
            if (keep == null) {
                Files.delete(graph);
            }
        }
        for (int i = 5; i < args.length; i++) { // graphs kept by an earlier run (another build), run beside these
            Path graph = Path.of(args[i]);
            sessions.put(graph.toString(), new OrtOpProfile(graph, dir, "graph" + k++, false));
        }
        Files.delete(model);
        System.out.printf(Locale.ROOT, "BLIP %s graph, random weights, 384 px, batch %d, float32, %d rounds; %s; "
                + "%s (%d cores), ONNX Runtime %s%n", kind, batch, rounds, Instant.now(), CpuFeatures.current().model(),
                Runtime.getRuntime().availableProcessors(), OrtEnvironment.getEnvironment().getVersion());
        Map<String, OnnxTensor> inputs = inputs(kind, batch);
        Map<String, double[]> seconds = new LinkedHashMap<>();
        sessions.keySet().forEach(name -> seconds.put(name, new double[rounds]));
        for (int round = -1; round < rounds; round++) { // round -1: one warm-up forward each
            for (Map.Entry<String, OrtOpProfile> s : sessions.entrySet()) {
                long t0 = System.nanoTime();
                s.getValue().session().run(inputs).close();
                if (round >= 0) {
                    seconds.get(s.getKey())[round] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        inputs.values().forEach(OnnxTensor::close);
        System.out.println("ONNX Runtime's profiles (JSON, every node): " + dir);
        Map<String, Map<String, OrtOpProfile.OpTime>> times = new LinkedHashMap<>();
        for (Map.Entry<String, OrtOpProfile> s : sessions.entrySet()) {
            times.put(s.getKey(), s.getValue().kernelTimes(1));
            s.getValue().close();
        }
        double base = Interleaved.median(seconds.get("unreduced"));
        System.out.println("| graph | median s per forward | x unreduced | kernel ms per forward |");
        System.out.println("|---|---|---|---|");
        for (String name : sessions.keySet()) {
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.2f | %.0f |%n", name, Interleaved.median(seconds.get(name)),
                    base / Interleaved.median(seconds.get(name)), OrtOpProfile.total(times.get(name)) / rounds / 1000);
        }
        List<String> names = new ArrayList<>(sessions.keySet());
        Map<String, OrtOpProfile.OpTime> last = times.get(names.get(2)); // rows by CrossGET's time
        TreeSet<String> ops = new TreeSet<>();
        times.values().forEach(t -> ops.addAll(t.keySet()));
        System.out.println();
        System.out.println("| operator (provider) | " + String.join(" | ", names.stream()
                .map(n -> n + ": calls, ms, share").toList()) + " |");
        System.out.println("|---" + "|---".repeat(names.size()) + "|");
        ops.stream().sorted(Comparator.comparingDouble(op -> -micros(last, op))).forEach(op -> {
            StringBuilder row = new StringBuilder("| " + op + " |");
            for (String name : names) {
                Map<String, OrtOpProfile.OpTime> t = times.get(name);
                OrtOpProfile.OpTime v = t.get(op);
                row.append(v == null ? " – |" : String.format(Locale.ROOT, " %.0f, %.1f, %.1f%% |",
                        (double) v.calls() / rounds, v.micros() / rounds / 1000,
                        100 * v.micros() / OrtOpProfile.total(t)));
            }
            System.out.println(row);
        });
    }

    private static double micros(Map<String, OrtOpProfile.OpTime> t, String op) {
        OrtOpProfile.OpTime v = t.get(op);
        return v == null ? 0 : v.micros();
    }

    /** N(0, 1) pixels and, for the ITM graph, full captions of {@value #TEXT_LENGTH} random ids (as the bench's). */
    private static Map<String, OnnxTensor> inputs(String kind, int batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Random rnd = new Random(7);
        float[] px = new float[batch * 3 * 384 * 384];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rnd.nextGaussian();
        }
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        in.put("pixels", OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[] {batch, 3, 384, 384}));
        if (kind.equals("itm")) {
            long[] ids = new long[batch * TEXT_LENGTH];
            long[] mask = new long[batch * TEXT_LENGTH];
            for (int i = 0; i < ids.length; i++) {
                int j = i % TEXT_LENGTH;
                ids[i] = j == 0 ? 101 : j == TEXT_LENGTH - 1 ? 102 : 1000 + rnd.nextInt(29000);
                mask[i] = 1;
            }
            long[] shape = {batch, TEXT_LENGTH};
            in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
            in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
        }
        return in;
    }
}
