package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.madtp.KeepCount;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.export.OnnxRuntimeRun;
import io.github.tokenreduce.djl.export.Tracer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MADTP's learned-threshold step ({@code shared/fixtures/madtp-step}, every case) as an ONNX graph:
 * with a keep cap ({@code MadtpReducer.Builder.keepCap}) the threshold, the keep counts and the fused
 * token are computed in the graph, so ONNX Runtime keeps each sample's own K_b (the example's two
 * counts, and the second sample's alone: a count the trace never saw at the first row) and its rows
 * equal the authors' single-sample outputs, the slots past each count masked.
 */
class MadtpStepOnnxExportTest {

    @TempDir
    Path tmp;

    @TestFactory
    List<DynamicTest> theCappedStepExportsWithItsCountsInTheGraph() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases("madtp-step", "fixture.json")) {
            tests.add(DynamicTest.dynamicTest(Fixtures.name(dir), () -> check(dir)));
        }
        return tests;
    }

    private void check(Path dir) throws Exception {
        JsonObject spec = Fixtures.json(dir.resolve("fixture.json"));
        int n = spec.get("N").getAsInt();
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            Map<String, NDArray> f = Fixtures.tensors(dir.resolve("madtp_step.safetensors"), m);
            long[] keepCounts = f.get("keep_counts").toLongArray();
            int b = keepCounts.length;
            // a cap above every K_b and under N - 2, so the graph is narrower than its input
            int cap = (int) Math.min(java.util.Arrays.stream(keepCounts).max().orElseThrow() + 4, n - 3);
            MadtpReducer eager = MadtpReducer.builder().dictionary(f.get("dictionary")).schedule(Schedule.dynamic())
                    .temperature(f.get("temperature").getFloat(0)).keepCount(KeepCount.PER_SAMPLE).keepCap(cap).build();
            MadtpReducer traced = MadtpReducer.builder()
                    .dictionary(t.constant(f.get("dictionary").duplicate()))
                    .schedule(Schedule.dynamic()).temperature(f.get("temperature").getFloat(0))
                    .keepCount(KeepCount.PER_SAMPLE).keepCap(cap).build();
            Map<String, NDArray> example = inputs(f, 0, b);
            Map<String, NDArray> second = inputs(f, 1, 2);
            Reduction secondEager = step(eager, second);
            OnnxExport.Result r = OnnxExport.export(t, "madtp_step", "MADTP step capped at " + cap, example,
                    (in, afterBlock) -> {
                        Reduction red = step(traced, in);
                        afterBlock.accept(red.tokens().hidden());
                        return new OnnxExport.Traced(outputs(red), new int[] {(int) red.tokens().length()});
                    },
                    List.of(new OnnxExport.Probe(second, outputs(secondEager), new int[] {cap + 2})),
                    tmp.resolve(Fixtures.name(dir) + ".onnx"));
            assertArrayEquals(new int[] {cap + 2}, r.tokensPerLayer(), "width: CLS + cap + fused");
            assertTrue(r.maxDifference() < 1e-4, "graph against eager: " + r.maxDifference());

            Map<String, NDArray> out = OnnxRuntimeRun.run(r.file(), example, m);
            float[] mask = out.get("key_mask").toFloatArray();
            for (int s = 0; s < b; s++) {
                int count = (int) keepCounts[s] + 2;
                for (int j = 0; j < cap + 2; j++) {
                    assertEquals(j < count ? 1f : 0f, mask[s * (cap + 2) + j], 1e-5, "sample " + s + " slot " + j);
                }
                assertSameRows(f.get("x_out_single_" + s).squeeze(0), out.get("x_out").get(s + ", :" + count + ", :"),
                        1e-4, "graph x_out, sample " + s);
            }
        }
    }

    /** The step's inputs for samples {@code [from, to)} of the fixture, batch first. */
    private static Map<String, NDArray> inputs(Map<String, NDArray> f, int from, int to) {
        Map<String, NDArray> in = new LinkedHashMap<>();
        for (String name : List.of("hidden", "x_in", "attention", "head_output_norms")) {
            in.put(name, f.get(name).get(from + ":" + to));
        }
        return in;
    }

    private static Reduction step(MadtpReducer reducer, Map<String, NDArray> in) {
        TokenSet tokens = TokenSet.builder(in.get("hidden")).protect(0).build();
        SiteInputs site = SiteInputs.builder().attention(in.get("attention"))
                .headOutputNorms(in.get("head_output_norms")).blockInput(in.get("x_in")).build();
        return reducer.reduce(tokens, site, 0);
    }

    private static Map<String, NDArray> outputs(Reduction r) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("x_out", r.tokens().hidden());
        out.put("key_mask", r.tokens().keyMask());
        return out;
    }

    /** CLS and fused rows equal, the kept rows between equal as a set (the authors' order is topk's). */
    private static void assertSameRows(NDArray want, NDArray got, double tol, String what) {
        Fixtures.assertClose(want.get("0:1, :"), got.get("0:1, :"), tol, what + " CLS");
        Fixtures.assertClose(want.get("-1:, :"), got.get("-1:, :"), tol, what + " fused token");
        NDArray dist = want.get("1:-1, :").expandDims(1).sub(got.get("1:-1, :").expandDims(0)).abs().max(new int[] {2});
        assertTrue(dist.min(new int[] {1}).max().getFloat() <= tol, what + ": a kept row has no match");
        long distinct = java.util.Arrays.stream(dist.argMin(1).toLongArray()).distinct().count();
        assertEquals(want.getShape().get(0) - 2, distinct, what + ": kept rows match one to one");
    }
}
