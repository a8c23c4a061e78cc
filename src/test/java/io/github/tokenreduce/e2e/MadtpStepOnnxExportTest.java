package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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
 * token are computed in the graph, so ONNX Runtime keeps each sample's own K_b (the example's
 * counts, and the last sample's alone: a count the trace never saw at the first row) and its rows
 * equal the authors' single-sample outputs, the slots past each count masked; with the authors' batch
 * rule every sample keeps the batch's largest K, computed in the graph, and the rows are the authors'
 * batch output.
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
            Map<String, NDArray> example = inputs(f, 0, b);
            OnnxExport.Result r = export(t, f, KeepCount.PER_SAMPLE, cap, example, tmp.resolve(Fixtures.name(dir) + ".onnx"));
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
        // the authors' batch rule traces too: K = max_b K_b computed in the graph; the sample holding it goes
        // first, so the export's own check of the first sample alone sees the same K
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Tracer t = new Tracer(Device.cpu())) {
            Map<String, NDArray> f = Fixtures.tensors(dir.resolve("madtp_step.safetensors"), m);
            long[] keepCounts = f.get("keep_counts").toLongArray();
            int top = 0;
            for (int s = 1; s < keepCounts.length; s++) {
                top = keepCounts[s] > keepCounts[top] ? s : top;
            }
            int k = (int) keepCounts[top];
            int cap = Math.min(k + 4, n - 3);
            Map<String, NDArray> example = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : inputs(f, 0, keepCounts.length).entrySet()) {
                example.put(e.getKey(), firstOf(e.getValue(), top));
            }
            OnnxExport.Result r = export(t, f, KeepCount.BATCH_MAX, cap, example,
                    tmp.resolve(Fixtures.name(dir) + "-batch.onnx"));
            Map<String, NDArray> out = OnnxRuntimeRun.run(r.file(), example, m);
            Fixtures.assertClose(firstOf(f.get("x_out_index_order"), top), out.get("x_out").get(":, :" + (k + 2) + ", :"),
                    1e-4, "batch rule: the authors' x_out");
        }
    }

    /** {@code x} with row {@code top} moved first. */
    private static NDArray firstOf(NDArray x, int top) {
        long b = x.getShape().get(0);
        NDList rows = new NDList(x.get(top + ":" + (top + 1)));
        for (int s = 0; s < b; s++) {
            if (s != top) {
                rows.add(x.get(s + ":" + (s + 1)));
            }
        }
        return NDArrays.concat(rows, 0);
    }

    /**
     * Exports the step with {@code keepCount} under {@code cap}, traced on {@code example} and checked by the
     * export on it, on its first sample alone and on its last sample alone (another count than the first's).
     */
    private static OnnxExport.Result export(Tracer t, Map<String, NDArray> f, KeepCount keepCount, int cap,
            Map<String, NDArray> example, Path file) throws java.io.IOException {
        float temperature = f.get("temperature").getFloat(0);
        MadtpReducer eager = MadtpReducer.builder().dictionary(f.get("dictionary")).schedule(Schedule.dynamic())
                .temperature(temperature).keepCount(keepCount).keepCap(cap).build();
        MadtpReducer traced = MadtpReducer.builder().dictionary(t.constant(f.get("dictionary").duplicate()))
                .schedule(Schedule.dynamic()).temperature(temperature).keepCount(keepCount).keepCap(cap).build();
        long b = example.get("hidden").getShape().get(0);
        Map<String, NDArray> last = new LinkedHashMap<>();
        example.forEach((name, v) -> last.put(name, v.get((b - 1) + ":" + b)));
        OnnxExport.Probe probe = new OnnxExport.Probe(last, outputs(step(eager, last)), new int[] {cap + 2});
        return OnnxExport.export(t, "madtp_step", "MADTP step (" + keepCount + ") capped at " + cap, example,
                (in, afterBlock) -> {
                    Reduction red = step(traced, in);
                    afterBlock.accept(red.tokens().hidden());
                    return new OnnxExport.Traced(outputs(red), new int[] {(int) red.tokens().length()});
                }, List.of(probe), file);
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
