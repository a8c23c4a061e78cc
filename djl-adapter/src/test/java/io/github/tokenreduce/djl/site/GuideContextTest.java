package io.github.tokenreduce.djl.site;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.TokenSet;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The guide queries a text site can use: one token's, or the size-weighted mean of the real tokens'. */
class GuideContextTest {

    @Test
    void meanQueryWeighsBySizeAndSkipsPadding() {
        try (NDManager m = NDManager.newBaseManager()) {
            // queries [1, 3, 2]: (1, 0) standing for 1 token, (0, 1) for 2, (4, 4) padding
            NDArray q = m.create(new float[] {1, 0, 0, 1, 4, 4}, new Shape(1, 3, 2));
            TokenSet t = TokenSet.builder(q).sizes(m.create(new float[] {1, 2, 1}, new Shape(1, 3)))
                    .keyMask(m.create(new float[] {1, 1, 0}, new Shape(1, 3)))
                    .attach("guide", m.create(new float[] {0, 0, 1}, new Shape(1, 3))).build();
            GuideContext ctx = new GuideContext(0, t, q, v -> v, "guide");
            assertArrayEquals(new float[] {1 / 3f, 2 / 3f}, GuideProvider.meanOfTokens().guide(ctx).toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {4, 4}, GuideProvider.ownToken().guide(ctx).toFloatArray(), 1e-6f);
        }
    }
}
