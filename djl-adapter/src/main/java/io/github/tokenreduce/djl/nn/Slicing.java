package io.github.tokenreduce.djl.nn;

import java.util.function.Supplier;

/**
 * How large a buffer attention and the feed-forward build before they work through a batch in slices
 * ({@link SelfAttention#SLICE_BYTES}, see there why), and a way to switch slicing off for one call on
 * this thread: an ONNX trace must see a batch whole, since its graph's batch is dynamic.
 */
public final class Slicing {

    private static final ThreadLocal<Boolean> WHOLE = ThreadLocal.withInitial(() -> false);

    private Slicing() {}

    /** Runs {@code body} on this thread with no slicing (one piece whatever the size). */
    public static <T> T whole(Supplier<T> body) {
        boolean before = WHOLE.get();
        WHOLE.set(true);
        try {
            return body.get();
        } finally {
            WHOLE.set(before);
        }
    }

    /** The largest buffer built in one piece now: {@link SelfAttention#SLICE_BYTES}, or unbounded inside {@link #whole}. */
    static long limit() {
        return WHOLE.get() ? Long.MAX_VALUE : SelfAttention.SLICE_BYTES;
    }
}
