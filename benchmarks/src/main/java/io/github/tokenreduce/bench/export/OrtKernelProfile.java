package io.github.tokenreduce.bench.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.nn.CpuFeatures;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Which kernels ONNX Runtime runs for an exported sentence encoder: the graph after ONNX Runtime's
 * optimisations (its node types, e.g. the fused int8 {@code DynamicQuantizeMatMul}) and its own
 * profile of a few forwards (time per operator type and execution provider).
 *
 * <p>{@code java -cp <benchmarks classes and dependencies> io.github.tokenreduce.bench.export.OrtKernelProfile
 * [model=all-minilm-l6-v2] [precision=int8] [keep=0.8 (1: unreduced)] [length=128] [batch=16] [runs=5]}
 */
public final class OrtKernelProfile {

    private OrtKernelProfile() {}

    public static void main(String[] args) throws Exception {
        BundledEncoder model = BundledEncoder.byName(args.length > 0 ? args[0] : "all-minilm-l6-v2").orElseThrow();
        Precision precision = Precision.parse(args.length > 1 ? args[1] : "int8");
        double keep = args.length > 2 ? Double.parseDouble(args[2]) : 0.8;
        int length = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 16;
        int runs = args.length > 5 ? Integer.parseInt(args[5]) : 5;
        Path dir = Files.createTempDirectory("tokenreduce-profile");
        Path graph = dir.resolve("model.onnx");
        TowerReduction r = keep >= 1 ? null
                : TowerReduction.of(CrossGetReducer.builder().schedule(Schedule.keepRatio(keep, 64)).build());
        SentenceEncoderOnnxExport.export(model, r, new int[] {length}, graph, precision);
        System.out.printf(Locale.ROOT, "%s, %s, %s, batch %d x %d tokens; %s; %s (%d cores), ONNX Runtime %s%n",
                model.modelName(), precision.label(), r == null ? "unreduced" : "CrossGET keep " + keep, batch, length,
                Instant.now(), CpuFeatures.current().model(), Runtime.getRuntime().availableProcessors(),
                OrtEnvironment.getEnvironment().getVersion());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OrtOpProfile.OpTime> byOp;
        Map<String, Integer> types;
        try (OrtOpProfile p = new OrtOpProfile(graph, dir, "model", true)) {
            long[] ids = new long[batch * length];
            long[] mask = new long[batch * length];
            Random rnd = new Random(1);
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i % length == 0 ? 101 : i % length == length - 1 ? 102 : 1000 + rnd.nextInt(20000);
                mask[i] = 1;
            }
            long[] shape = {batch, length};
            try (OnnxTensor x = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                    OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape)) {
                for (int i = 0; i < runs; i++) {
                    p.session().run(Map.of("input_ids", x, "attention_mask", m)).close();
                }
            }
            byOp = p.kernelTimes(0);
            types = p.optimizedNodeTypes();
        }
        System.out.println("nodes after ONNX Runtime's optimisations (in the If branches too): " + types);
        double all = OrtOpProfile.total(byOp);
        System.out.println("| operator (provider) | calls per forward | ms per forward | share |");
        System.out.println("|---|---|---|---|");
        byOp.entrySet().stream().sorted(Comparator.comparingDouble(en -> -en.getValue().micros())).limit(12)
                .forEach(en -> System.out.printf(Locale.ROOT, "| %s | %.0f | %.1f | %.0f%% |%n", en.getKey(),
                        (double) en.getValue().calls() / runs, en.getValue().micros() / runs / 1000,
                        100 * en.getValue().micros() / all));
    }
}
