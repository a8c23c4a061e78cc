package io.github.tokenreduce.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.util.Checks;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state token reduction works on: one immutable value per batch of sequences.
 *
 * <ul>
 *   <li>{@code hidden} [B, N, C]: hidden states;
 *   <li>{@code sizes} [B, N]: how many original tokens each token stands for (ToMe);
 *   <li>{@code keyMask} [B, N]: 1 for real tokens, 0 for padding (ragged batches); it becomes
 *       fractional when PuMer merges a padding token with a real one;
 *   <li>{@code protectedMask} [B, N]: 1 for tokens no method may merge or prune (CLS, cross
 *       token, end-of-text);
 *   <li>{@code spans}: optional text/image ranges for single-stream multimodal sets;
 *   <li>{@code source} [B, N, N0]: optional 0/1 map from each token to the original tokens;
 *   <li>{@code attachments}: named per-token channels [B, N] or [B, N, k] (token ids, position
 *       ids) merged with the same size-weighted mean as the hidden states (CrossGET).
 * </ul>
 *
 * <p>Arrays are not copied. Applying a {@link MergePlan} makes a new set; the old one is untouched.
 */
public final class TokenSet {

    private final NDArray hidden;
    private final NDArray sizes;
    private final NDArray keyMask;
    private final NDArray protectedMask;
    private final ModalitySpans spans;
    private final NDArray source;
    private final Map<String, NDArray> attachments;

    private TokenSet(Builder b) {
        this.hidden = b.hidden;
        this.sizes = b.sizes;
        this.keyMask = b.keyMask;
        this.protectedMask = b.protectedMask;
        this.spans = b.spans;
        this.source = b.source;
        this.attachments = Collections.unmodifiableMap(new LinkedHashMap<>(b.attachments));
    }

    /** A set over {@code hidden} [B, N, C] with unit sizes, all tokens real, none protected. */
    public static TokenSet of(NDArray hidden) {
        return builder(hidden).build();
    }

    /** Starts a builder over {@code hidden} [B, N, C]. */
    public static Builder builder(NDArray hidden) {
        return new Builder(hidden);
    }

    /** A builder pre-filled with this set's fields. */
    public Builder toBuilder() {
        return builderOver(hidden);
    }

    /** A builder over {@code newHidden} carrying every other field of this set. */
    private Builder builderOver(NDArray newHidden) {
        Builder b = new Builder(newHidden);
        b.sizes = sizes;
        b.keyMask = keyMask;
        b.protectedMask = protectedMask;
        b.spans = spans;
        b.source = source;
        b.attachments.putAll(attachments);
        b.protectCalled = true;
        return b;
    }

    public NDArray hidden() {
        return hidden;
    }

    public NDArray sizes() {
        return sizes;
    }

    public NDArray keyMask() {
        return keyMask;
    }

    public NDArray protectedMask() {
        return protectedMask;
    }

    /** Modality spans, or {@code null} for a single-modality set. */
    public ModalitySpans spans() {
        return spans;
    }

    /** Source map [B, N, N0], or {@code null} when not tracked. */
    public NDArray source() {
        return source;
    }

    /** Named per-token channels; unmodifiable. */
    public Map<String, NDArray> attachments() {
        return attachments;
    }

    /** The same set with new hidden states of the same [B, N, *] layout (e.g. after an MLP). */
    public TokenSet withHidden(NDArray newHidden) {
        Checks.shape("hidden", newHidden, new long[] {batch(), length(), -1}, "[B, N, C]");
        return new TokenSet(builderOver(newHidden));
    }

    /**
     * The values [B, C] at the token a one-hot attachment marks (e.g. the guide or end-of-text
     * token): {@code Σ_n attachment[b, n] · values[b, n, :]}, scatter-free.
     *
     * @param values [B, N, C]
     */
    public NDArray select(String attachment, NDArray values) {
        NDArray w = attachments.get(attachment);
        if (w == null) {
            throw new IllegalArgumentException("attachment: no '" + attachment + "' on this token set; have "
                    + attachments.keySet());
        }
        return w.toType(values.getDataType(), false).expandDims(1).matMul(values).squeeze(1);
    }

    /**
     * Tokens {@code [from, to)} of every sample as a set of their own: every per-token field is
     * sliced, the key mask unchecked (a slice may hold only padding), spans dropped, the source map
     * kept over all original tokens.
     */
    public TokenSet slice(int from, int to) {
        if (from < 0 || to > length() || from >= to) {
            throw new IllegalArgumentException("slice: [" + from + ", " + to + ") is not a non-empty range of the "
                    + length() + " tokens; expected 0 <= from < to <= N");
        }
        String r = ":, " + from + ":" + to;
        Builder b = new Builder(hidden.get(r + ", :"));
        b.sizes = sizes.get(r);
        b.keyMask = keyMask.get(r);
        b.protectedMask = protectedMask.get(r);
        b.source = source == null ? null : source.get(r + ", :");
        for (Map.Entry<String, NDArray> e : attachments.entrySet()) {
            b.attachments.put(e.getKey(), e.getValue().get(r));
        }
        b.protectCalled = true;
        return b.build();
    }

    /** Every array this set holds (hidden, sizes, masks, source map, attachments), for lifetime management. */
    public NDList arrays() {
        NDList out = new NDList(hidden, sizes, keyMask, protectedMask);
        if (source != null) {
            out.add(source);
        }
        out.addAll(attachments.values());
        return out;
    }

    /** Batch size B. */
    public int batch() {
        return (int) hidden.getShape().get(0);
    }

    /** Token count N (padded). */
    public int length() {
        return (int) hidden.getShape().get(1);
    }

    /** Width C. */
    public int width() {
        return (int) hidden.getShape().get(2);
    }


    /**
     * Applies {@code plan}, with {@code newHidden} [B, N_out, C] already computed by the method.
     * Sizes are summed, the key mask and attachments are size-weighted means, protection follows
     * the anchors, the source map is summed.
     */
    public TokenSet apply(MergePlan plan, NDArray newHidden, ModalitySpans newSpans) {
        return apply(plan.weights(sizes), newHidden, newSpans);
    }

    /**
     * As {@link #apply(MergePlan, NDArray, ModalitySpans)} with the plan's weights of this set's
     * sizes already made ({@code plan.weights(sizes())}), so a method that also used them for the
     * hidden states shares their totals.
     */
    public TokenSet apply(MergePlan.Weights bySize, NDArray newHidden, ModalitySpans newSpans) {
        if (bySize.of() != sizes) {
            throw new IllegalArgumentException("bySize: weights of another array than this set's sizes "
                    + sizes.getShape() + "; expected plan.weights(tokens.sizes())");
        }
        MergePlan plan = bySize.plan();
        Builder b = new Builder(newHidden);
        b.sizes = bySize.total();
        b.keyMask = bySize.mean(keyMask);
        b.protectedMask = plan.onRealSlots(plan.gather(protectedMask));
        b.spans = newSpans;
        b.source = source == null ? null : plan.sum(source);
        for (Map.Entry<String, NDArray> e : attachments.entrySet()) {
            b.attachments.put(e.getKey(), bySize.mean(e.getValue()));
        }
        b.protectCalled = true;
        return b.build();
    }

    /** Applies {@code plan} with the hidden states, like everything else, as size-weighted means (ToMe's merge). */
    public TokenSet merge(MergePlan plan, ModalitySpans newSpans) {
        MergePlan.Weights bySize = plan.weights(sizes);
        return apply(bySize, bySize.mean(hidden), newSpans);
    }

    /** Builder: every field but {@code hidden} is optional. */
    public static final class Builder {
        private final NDArray hidden;
        private NDArray sizes;
        private NDArray keyMask;
        private NDArray protectedMask;
        private ModalitySpans spans;
        private NDArray source;
        private final Map<String, NDArray> attachments = new LinkedHashMap<>();
        private boolean protectCalled;

        private Builder(NDArray hidden) {
            Checks.rank("hidden", hidden, 3, "[B, N, C]");
            Shape s = hidden.getShape();
            if (s.get(0) == 0) {
                throw new IllegalArgumentException("hidden: empty batch, shape " + s
                        + "; expected [B, N, C] with B >= 1");
            }
            if (s.get(1) == 0) {
                throw new IllegalArgumentException("hidden: no tokens, shape " + s
                        + "; expected [B, N, C] with N >= 1");
            }
            this.hidden = hidden;
        }

        /** Token sizes [B, N] (or [B, N, 1]); default all ones. */
        public Builder sizes(NDArray sizes) {
            this.sizes = squeezeLast("sizes", sizes);
            return this;
        }

        /** Key mask [B, N]; 1 real, 0 padding; default all ones. */
        public Builder keyMask(NDArray keyMask) {
            this.keyMask = squeezeLast("keyMask", keyMask);
            Checks.finite("keyMask", this.keyMask);
            NDArray perSample = this.keyMask.sum(new int[] {1});
            if (perSample.lte(0f).any().getBoolean()) {
                throw new IllegalArgumentException("keyMask: a sample has no real token (row sums "
                        + java.util.Arrays.toString(perSample.toFloatArray()) + ", shape "
                        + this.keyMask.getShape() + "); every sample needs at least one");
            }
            return this;
        }

        /**
         * Key mask without the at-least-one-real-token check: for slices of a valid set (one
         * modality of a sample may be all padding).
         */
        public Builder keyMaskUnchecked(NDArray keyMask) {
            this.keyMask = squeezeLast("keyMask", keyMask);
            return this;
        }

        /** Protected mask [B, N] given directly (1 protected). */
        public Builder protectedMask(NDArray mask) {
            this.protectedMask = squeezeLast("protectedMask", mask);
            this.protectCalled = true;
            return this;
        }

        /**
         * Protects the same indices in every sample; negative indices count from the end
         * ({@code -1} is the last token, e.g. CrossGET's cross token).
         */
        public Builder protect(int... indices) {
            int n = (int) hidden.getShape().get(1);
            float[] row = new float[n];
            for (int i : indices) {
                int k = i < 0 ? n + i : i;
                if (k < 0 || k >= n) {
                    throw new IllegalArgumentException("protect: index " + i
                            + " out of range for N = " + n + " tokens (hidden " + hidden.getShape()
                            + "); expected -N <= index < N");
                }
                row[k] = 1f;
            }
            NDArray r = hidden.getManager().create(row).toDevice(hidden.getDevice(), false);
            mergeProtection(r.expandDims(0).repeat(0, hidden.getShape().get(0)));
            return this;
        }

        /** Protects one index per sample (e.g. each sample's end-of-text position), {@code idx} [B]. */
        public Builder protectPerSample(long[] idx) {
            long b = hidden.getShape().get(0);
            int n = (int) hidden.getShape().get(1);
            if (idx.length != b) {
                throw new IllegalArgumentException("protectPerSample: got " + idx.length
                        + " indices for batch " + b + " (hidden " + hidden.getShape()
                        + "); expected one index per sample");
            }
            float[] m = new float[(int) b * n];
            for (int s = 0; s < b; s++) {
                if (idx[s] < 0 || idx[s] >= n) {
                    throw new IllegalArgumentException("protectPerSample: index " + idx[s]
                            + " of sample " + s + " out of range for N = " + n + " tokens");
                }
                m[s * n + (int) idx[s]] = 1f;
            }
            NDArray r = hidden.getManager().create(m, new Shape(b, n))
                    .toDevice(hidden.getDevice(), false);
            mergeProtection(r);
            return this;
        }

        /** Modality spans for a single-stream multimodal set. */
        public Builder spans(ModalitySpans spans) {
            this.spans = spans;
            return this;
        }

        /** Starts tracking sources from the identity map [B, N, N]. */
        public Builder trackSource() {
            long b = hidden.getShape().get(0);
            long n = hidden.getShape().get(1);
            NDManager m = hidden.getManager();
            this.source = m.eye((int) n).toType(hidden.getDataType(), false)
                    .toDevice(hidden.getDevice(), false).expandDims(0).repeat(0, b);
            return this;
        }

        /** An existing source map [B, N, N0]. */
        public Builder source(NDArray source) {
            this.source = source;
            return this;
        }

        /** A named per-token channel [B, N] or [B, N, k]. */
        public Builder attach(String name, NDArray values) {
            attachments.put(name, values);
            return this;
        }

        /** Validates every field against {@code hidden} and builds the set. */
        public TokenSet build() {
            Shape s = hidden.getShape();
            long b = s.get(0);
            long n = s.get(1);
            NDManager m = hidden.getManager();
            if (sizes == null) {
                sizes = m.ones(new Shape(b, n), DataType.FLOAT32).toDevice(hidden.getDevice(), false);
            }
            if (keyMask == null) {
                keyMask = m.ones(new Shape(b, n), DataType.FLOAT32).toDevice(hidden.getDevice(), false);
            }
            if (protectedMask == null) {
                protectedMask = m.zeros(new Shape(b, n), DataType.FLOAT32)
                        .toDevice(hidden.getDevice(), false);
            }
            long[] bn = {b, n};
            Checks.shape("sizes", sizes, bn, "[B, N]");
            Checks.shape("keyMask", keyMask, bn, "[B, N]");
            Checks.shape("protectedMask", protectedMask, bn, "[B, N]");
            if (source != null) {
                Checks.shape("source", source, new long[] {b, n, -1}, "[B, N, N0]");
            }
            for (Map.Entry<String, NDArray> e : attachments.entrySet()) {
                NDArray v = e.getValue();
                Shape vs = v.getShape();
                if (vs.dimension() < 2 || vs.dimension() > 3 || vs.get(0) != b || vs.get(1) != n) {
                    throw new IllegalArgumentException("attachment '" + e.getKey()
                            + "': expected shape [B, N] or [B, N, k] = (" + b + ", " + n
                            + "[, k]) but got " + vs);
                }
            }
            if (spans != null && spans.end() > n) {
                throw new IllegalArgumentException("spans: " + spans + " exceed N = " + n
                        + " tokens of hidden " + s);
            }
            return new TokenSet(this);
        }

        private void mergeProtection(NDArray extra) {
            protectedMask = protectedMask == null || !protectCalled
                    ? extra : protectedMask.maximum(extra);
            protectCalled = true;
        }

        private NDArray squeezeLast(String name, NDArray a) {
            Checks.present(name, a, "[B, N]");
            if (a.getShape().dimension() == 3 && a.getShape().get(2) == 1) {
                return a.squeeze(2);
            }
            return a;
        }
    }
}
