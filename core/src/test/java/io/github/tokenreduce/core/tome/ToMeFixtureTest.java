package io.github.tokenreduce.core.tome;

import static io.github.tokenreduce.core.testing.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** Reproduces the ToMe authors' own outputs (shared/fixtures/merge/tome_bipartite.safetensors). */
class ToMeFixtureTest {

    @Test
    void reproducesAuthorsMergeSizesSourceAndUnmerge() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> f = Fixtures.load(m, "fixtures/merge/tome_bipartite.safetensors");
            int r = (int) f.get("r").toLongArray()[0];
            TokenSet tokens = TokenSet.builder(f.get("x")).sizes(f.get("size")).protect(0)
                    .trackSource().build();
            ToMeReducer tome = ToMeReducer.builder().r(r).build();
            Reduction out = tome.reduce(tokens, SiteInputs.ofMetric(f.get("metric")), 0);

            assertEquals(16, out.plan().applied());
            assertFalse(out.plan().clamped());
            assertClose(f.get("x_out"), out.tokens().hidden(), 1e-5, "x_out");
            assertClose(f.get("size_out").squeeze(2), out.tokens().sizes(), 1e-5, "size_out");
            assertClose(f.get("source_out"), out.tokens().source(), 0, "source_out");
            assertClose(f.get("unmerge_out"), out.plan().unmerge(out.tokens().hidden()), 1e-5,
                    "unmerge_out");
        }
    }
}
