package io.github.tokenreduce.djl.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.IValue;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Linear layers in bfloat16 or int8 through {@link TorchKernels}, each weight prepared once (cast, or
 * quantized and packed) and found again by identity; weights not prepared here, and a prepared weight
 * called with another bias, run in float32. Activations enter and leave in float32. In bfloat16 the
 * feed-forward keeps its hidden layer in bfloat16 (one kernel call) and attention's two products run
 * in bfloat16 with the softmax in float32; in int8 attention stays float32.
 */
final class PreparedMatmuls implements Matmuls {

    /** A prepared layer: its float32 bias as the blocks hold it, and the bf16 weight and bias or the int8 pack. */
    private record Prepared(NDArray bias, NDArray bf16, NDArray bf16Bias, IValue int8) {}

    private final Precision precision;
    private final Map<NDArray, Prepared> prepared;

    private PreparedMatmuls(Precision precision, Map<NDArray, Prepared> prepared) {
        this.precision = precision;
        this.prepared = prepared;
    }

    static PreparedMatmuls of(Precision precision, Collection<LinearWeights> layers) {
        TorchKernels k = TorchKernels.get();
        Map<NDArray, Prepared> map = new IdentityHashMap<>();
        for (LinearWeights l : layers) {
            if (map.containsKey(l.wT())) {
                continue;
            }
            NDManager m = l.wT().getManager();
            NDArray bias = l.b() != null ? l.b() : m.zeros(new Shape(l.wT().getShape().get(1)))
                    .toDevice(l.wT().getDevice(), false);
            if (precision == Precision.BF16) {
                map.put(l.wT(), new Prepared(l.b(), k.prepareBf16(l.wT()), k.castBf16(bias), null));
            } else {
                IValue packed = k.prepareInt8(l.wT(), bias);
                m.attachInternal("tokenreduce-int8-" + UUID.randomUUID(), packed); // freed with the weights
                map.put(l.wT(), new Prepared(l.b(), null, null, packed));
            }
            if (l.b() == null) {
                bias.close();
            }
        }
        return new PreparedMatmuls(precision, Collections.unmodifiableMap(map));
    }

    @Override
    public NDArray linear(NDArray x, NDArray wT, NDArray b) {
        Prepared p = find(wT, b);
        if (p == null) {
            return Ops.linear(x, wT, b);
        }
        if (p.int8() != null) {
            return TorchKernels.get().linearInt8(x, p.int8());
        }
        return TorchKernels.get().linearBf16(x, p.bf16(), b == null ? zero(x) : b);
    }

    @Override
    public NDArray feedForward(NDArray x, NDArray w1T, NDArray b1, Activation act, NDArray w2T, NDArray b2) {
        Prepared p1 = find(w1T, b1);
        Prepared p2 = find(w2T, b2);
        if (p1 == null || p2 == null || p1.bf16() == null || p2.bf16() == null) {
            return Matmuls.super.feedForward(x, w1T, b1, act, w2T, b2);
        }
        return TorchKernels.get().feedForwardBf16(x, p1.bf16(), p1.bf16Bias(), p2.bf16(), b2 == null ? zero(x) : b2,
                act == Activation.QUICK_GELU);
    }

    @Override
    public NDArray attention(NDArray q, NDArray k, NDArray v, NDArray bias, float scale) {
        if (precision != Precision.BF16) {
            return Matmuls.super.attention(q, k, v, bias, scale);
        }
        return withBias(q, bias, b -> new NDArray[] {TorchKernels.get().attentionBf16(q, k, v, b, scale)})[0];
    }

    @Override
    public NDArray[] selfAttention(NDArray x, AttentionWeights w, NDArray bias, boolean meanKeys) {
        Prepared qkv = find(w.qkvT(), w.qkvB());
        Prepared out = find(w.outT(), w.outB());
        if (qkv == null || out == null || qkv.bf16() == null || out.bf16() == null) {
            return null;
        }
        return withBias(x, bias, b -> TorchKernels.get().selfAttentionBf16(x, qkv.bf16(), qkv.bf16Bias(), out.bf16(),
                w.outB() == null ? zero(x) : w.outB(), w.heads(), b, meanKeys));
    }

    @Override
    public NDArray[] selfAttentionWithKeys(NDArray x, AttentionWeights w, NDArray bias) {
        Prepared qkv = find(w.qkvT(), w.qkvB());
        Prepared out = find(w.outT(), w.outB());
        if (qkv == null || out == null || qkv.bf16() == null || out.bf16() == null) {
            return null;
        }
        float scale = (float) (1.0 / Math.sqrt(x.getShape().get(2) / w.heads()));
        return withBias(x, bias, b -> TorchKernels.get().selfAttentionQkBf16(x, qkv.bf16(),
                w.qkvB() == null ? zero(x) : w.qkvB(), out.bf16(), w.outB() == null ? zero(x) : w.outB(), w.heads(),
                b, scale));
    }

    /** Calls {@code kernel} with {@code bias}, or with an empty array (the kernels' "none") when it is null. */
    private static NDArray[] withBias(NDArray x, NDArray bias, java.util.function.Function<NDArray, NDArray[]> kernel) {
        if (bias != null) {
            return kernel.apply(bias);
        }
        try (NDArray none = x.getManager().create(new float[0]).toDevice(x.getDevice(), false)) {
            return kernel.apply(none);
        }
    }

    private Prepared find(NDArray wT, NDArray b) {
        Prepared p = prepared.get(wT);
        return p == null || p.bias() != b ? null : p;
    }

    private static NDArray zero(NDArray like) {
        return like.getManager().create(0f).toDevice(like.getDevice(), false);
    }

    @Override
    public Precision precision() {
        return precision;
    }
}
