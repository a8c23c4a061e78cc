package io.github.tokenreduce.core;

import static io.github.tokenreduce.core.testing.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.crossget.EnsembleMode;
import io.github.tokenreduce.core.testing.Fixtures;
import io.github.tokenreduce.core.tome.ToMeReducer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Single merge steps of the authors' own functions ({@code shared/fixtures/merge}): every
 * {@code tome_*.safetensors} (ToMe bipartite soft matching, class token protected) and every
 * {@code crossget_*.safetensors} (CrossGET's reducer: CLS and the cross token protected, guided by
 * the cross token's query, or, when the file carries {@code token_id}, by the end-of-text query,
 * which is protected too). r and the geometry come from the files; every {@code *_out} tensor the
 * file holds is compared to 1e-5.
 */
class MergeFixtureTest {

    @TestFactory
    List<DynamicTest> reproducesEveryMergeStep() throws IOException {
        Path dir = Fixtures.shared().resolve("fixtures/merge");
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("tome_")) {
                    tests.add(DynamicTest.dynamicTest(name, () -> tome(f)));
                } else if (name.startsWith("crossget_")) {
                    tests.add(DynamicTest.dynamicTest(name, () -> crossget(f)));
                }
            }
        }
        assertFalse(tests.isEmpty(), "no tome_*/crossget_* fixtures in " + dir);
        return tests;
    }

    private static void tome(Path file) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> f = Fixtures.load(m, file);
            int r = (int) f.get("r").toLongArray()[0];
            TokenSet tokens = TokenSet.builder(f.get("x")).sizes(f.get("size")).protect(0).trackSource().build();
            Reduction out = ToMeReducer.builder().r(r).build().reduce(tokens, SiteInputs.ofMetric(f.get("metric")), 0);
            assertEquals(f.get("x").getShape().get(1) - f.get("x_out").getShape().get(1), out.plan().applied());
            assertClose(f.get("x_out"), out.tokens().hidden(), 1e-5, "x_out");
            assertClose(f.get("size_out").squeeze(2), out.tokens().sizes(), 1e-5, "size_out");
            if (f.containsKey("source_out")) {
                assertClose(f.get("source_out"), out.tokens().source(), 0, "source_out");
            }
            if (f.containsKey("unmerge_out")) {
                assertClose(f.get("unmerge_out"), out.plan().unmerge(out.tokens().hidden()), 1e-5, "unmerge_out");
            }
        }
    }

    private static void crossget(Path file) {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> f = Fixtures.load(m, file);
            int r = (int) f.get("r").toLongArray()[0];
            NDArray query = f.get("query");
            long b = query.getShape().get(0);
            long c = query.getShape().get(2);
            TokenSet.Builder t = TokenSet.builder(f.get("x")).sizes(f.get("size")).protect(0, -1);
            NDArray guide;
            NDArray ids = f.get("token_id");
            if (ids != null) {
                NDArray eot = ids.argMax(1);
                t.protectPerSample(eot.toLongArray()).attach("token_id", ids);
                guide = query.gather(eot.reshape(b, 1, 1).broadcast(b, 1, c), 1).squeeze(1);
            } else {
                guide = query.get(":, -1, :");
            }
            Reduction out = CrossGetReducer.builder().r(r).ensembleMode(EnsembleMode.AUTHORS)
                    .tieBreak(TieBreak.PYTORCH_CPU).build()
                    .reduce(t.build(), SiteInputs.builder().metric(f.get("metric")).guide(guide).build(), 0);
            assertEquals(r, out.plan().applied());
            assertClose(f.get("x_out"), out.tokens().hidden(), 1e-5, "x_out");
            assertClose(f.get("size_out").squeeze(2), out.tokens().sizes(), 1e-5, "size_out");
            if (ids != null) {
                NDArray merged = out.tokens().attachments().get("token_id");
                assertClose(f.get("token_id_out"), merged, 1e-5 * ids.max().getFloat(), "token_id_out");
                assertTrue(f.get("token_id_out").argMax(1).contentEquals(merged.argMax(1)),
                        "the end-of-text position is still the argmax of the merged ids");
            }
        }
    }
}
