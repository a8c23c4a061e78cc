package io.github.tokenreduce.core.crossget;

import static io.github.tokenreduce.core.testing.Assertions2.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TieBreak;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** Reproduces CrossGET's own reducer outputs (shared/fixtures/merge/crossget_*.safetensors). */
class CrossGetFixtureTest {

    @Test
    void visionTowerCrossTokenLastMatchesAuthors() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> f = Fixtures.load(m, "fixtures/merge/crossget_vision.safetensors");
            int r = (int) f.get("r").toLongArray()[0];
            TokenSet tokens = TokenSet.builder(f.get("x")).sizes(f.get("size")).protect(0, -1).build();
            NDArray guide = f.get("query").get(":, -1, :");
            Reduction out = CrossGetReducer.builder().r(r).ensembleMode(EnsembleMode.AUTHORS)
                    .tieBreak(TieBreak.PYTORCH_CPU).build().reduce(tokens,
                    SiteInputs.builder().metric(f.get("metric")).guide(guide).build(), 0);
            assertEquals(r, out.plan().applied());
            assertClose(f.get("x_out"), out.tokens().hidden(), 1e-5, "x_out");
            assertClose(f.get("size_out").squeeze(2), out.tokens().sizes(), 1e-5, "size_out");
        }
    }

    @Test
    void textTowerEndOfTextGuidedMergesIds() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> f = Fixtures.load(m, "fixtures/merge/crossget_text.safetensors");
            int r = (int) f.get("r").toLongArray()[0];
            NDArray ids = f.get("token_id");
            long[] eot = ids.argMax(1).toLongArray();
            TokenSet tokens = TokenSet.builder(f.get("x")).sizes(f.get("size")).protect(0, -1)
                    .protectPerSample(eot).attach("token_id", ids).build();
            NDArray query = f.get("query");
            NDArray guide = query.gather(ids.argMax(1).reshape(3, 1, 1).broadcast(3, 1, 64), 1).squeeze(1);
            Reduction out = CrossGetReducer.builder().r(r).ensembleMode(EnsembleMode.AUTHORS)
                    .tieBreak(TieBreak.PYTORCH_CPU).build().reduce(tokens,
                    SiteInputs.builder().metric(f.get("metric")).guide(guide).build(), 0);
            assertClose(f.get("x_out"), out.tokens().hidden(), 1e-5, "x_out");
            assertClose(f.get("size_out").squeeze(2), out.tokens().sizes(), 1e-5, "size_out");
            assertClose(f.get("token_id_out"), out.tokens().attachments().get("token_id"), 1e-5 * 49407,
                    "token_id_out");
            // the end-of-text position is still the argmax of the merged ids
            assertClose(f.get("token_id_out").argMax(1), out.tokens().attachments().get("token_id").argMax(1),
                    0, "eot position");
        }
    }
}
