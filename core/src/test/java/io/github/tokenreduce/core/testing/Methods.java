package io.github.tokenreduce.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;

import java.util.List;

/** Every method with the inputs it needs, over one random batch, for invariant tests. */
public final class Methods {

    private Methods() {}

    /** A method under test, with the site inputs and token set it runs on. */
    public record Run(String name, TokenReducer reducer, TokenSet tokens, SiteInputs inputs) {}

    /** All four methods on {@code hidden} [B, N, C] with metric {@code metric} [B, N, c]. */
    public static List<Run> all(NDManager m, NDArray hidden, NDArray metric, NDArray keyMask) {
        long b = hidden.getShape().get(0);
        int n = (int) hidden.getShape().get(1);
        long c = hidden.getShape().get(2);
        TokenSet.Builder base = TokenSet.builder(hidden).protect(0);
        if (keyMask != null) {
            base.keyMask(keyMask);
        }
        TokenSet plain = base.build();
        NDArray att = m.randomUniform(0f, 1f, new Shape(b, 2, n, n));
        att = att.div(att.sum(new int[] {3}, true));
        SiteInputs full = SiteInputs.builder().metric(metric)
                .guide(metric.get(":, 0, :"))
                .attention(att)
                .crossAttention(att.get(":, :, :" + (n / 3) + ", " + (n / 3) + ":"))
                .build();
        TokenSet spans = plain.toBuilder().spans(ModalitySpans.textThenImage(n / 3, n - n / 3)).build();
        return List.of(
                new Run("tome", ToMeReducer.builder().r(n / 4).build(), plain, full),
                new Run("crossget", CrossGetReducer.builder().r(n / 4).build(),
                        plain.toBuilder().protect(0, -1).build(), full),
                new Run("madtp", MadtpReducer.builder().dictionary(m.randomNormal(new Shape(5, c)))
                        .schedule(Schedule.dynamic()).temperature(2f).build(),
                        plain, full),
                new Run("pumer", PumerReducer.builder().layers(0).pruneRatio(0.2).mergeRatio(0.2)
                        .textMergeRatio(0.2).build(), spans, full));
    }
}
