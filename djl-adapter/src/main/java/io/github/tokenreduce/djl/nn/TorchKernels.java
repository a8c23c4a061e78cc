package io.github.tokenreduce.djl.nn;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The low-precision kernels: a weight-free TorchScript archive shipped as a resource
 * ({@code kernels.pt}, written by {@code djl-adapter/src/main/python/make_kernels.py}) whose methods
 * take and give float32 and cast inside the script, so that no bfloat16 data type crosses DJL's
 * JNI (which aborts on one in DJL 0.35/0.36). Nothing in the archive runs at load time; it is
 * loaded once per process. Thread-safe: the methods keep no state.
 */
final class TorchKernels {

    private static final String RESOURCE = "kernels.pt";
    private static volatile TorchKernels instance;

    private final Model model;
    private final PtSymbolBlock block;
    /** int8 activations take 7 bits, not 8 ({@link CpuFeatures#int8FullRange}); decided once. */
    private final boolean reduceRange;

    private TorchKernels(Model model) {
        this.model = model;
        this.block = (PtSymbolBlock) model.getBlock();
        this.reduceRange = !CpuFeatures.current().int8FullRange();
    }

    /** The process-wide kernels (loaded on first use). */
    static TorchKernels get() {
        TorchKernels k = instance;
        if (k == null) {
            synchronized (TorchKernels.class) {
                k = instance;
                if (k == null) {
                    k = load();
                    instance = k;
                }
            }
        }
        return k;
    }

    private static TorchKernels load() {
        Model model = Model.newInstance("tokenreduce-kernels", Device.cpu(), "PyTorch");
        try (InputStream in = TorchKernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("kernels: resource " + RESOURCE + " is missing from the tokenreduce-djl jar");
            }
            model.load(in, Map.of());
            return new TorchKernels(model);
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException("kernels: cannot read " + RESOURCE, e);
        } catch (MalformedModelException | RuntimeException e) {
            model.close();
            throw new IllegalStateException("kernels: libtorch cannot load " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /** [in, out] float32 → [out, in] bfloat16 (an opaque handle on {@code wT}'s manager; never read it from Java). */
    NDArray prepareBf16(NDArray wT) {
        return tensor(call("prepare_bf16", wT), wT);
    }

    /** {@code x · w + b} with {@code w} from {@link #prepareBf16}; x and the result float32. */
    NDArray linearBf16(NDArray x, NDArray w, NDArray b) {
        return tensor(call("linear_bf16", x, w, b), x);
    }

    /** A bias in bfloat16 (an opaque handle, as {@link #prepareBf16}). */
    NDArray castBf16(NDArray b) {
        return tensor(call("cast_bf16", b), b);
    }

    /**
     * {@code act(x · w1 + b1) · w2 + b2} with the hidden layer in bfloat16: {@code w1}, {@code w2} from
     * {@link #prepareBf16}, {@code b1} from {@link #castBf16}, {@code b2} float32; x and the result float32.
     */
    NDArray feedForwardBf16(NDArray x, NDArray w1, NDArray b1, NDArray w2, NDArray b2, boolean quickGelu) {
        return tensor(run("feed_forward_bf16", tensors(x, w1, b1, w2, b2), IValue.from(quickGelu)), x);
    }

    /**
     * {@code softmax(q · kᵀ · scale + bias) · v} for q, k, v [B, H, N, d] (float32), bias broadcastable
     * to [B, H, N, N] or empty; products in bfloat16, softmax in float32. Result [B, H, N, d] float32.
     */
    NDArray attentionBf16(NDArray q, NDArray k, NDArray v, NDArray bias, float scale) {
        return tensor(run("attention_bf16", tensors(q, k, v, bias), IValue.from((double) scale)), q);
    }

    /**
     * The attention sublayer of x [B, N, C] in one call ({@code w*} from {@link #prepareBf16}, {@code bQkv}
     * from {@link #castBf16}, {@code bOut} float32, bias as in {@link #attentionBf16}): the output
     * [B, N, C] and, when {@code meanKeys}, the head-averaged keys [B, N, C / H] (else null).
     */
    NDArray[] selfAttentionBf16(NDArray x, NDArray wQkv, NDArray bQkv, NDArray wOut, NDArray bOut, int heads,
            NDArray bias, boolean meanKeys) {
        NDArray[] r = parts(run("self_attention_bf16", tensors(x, wQkv, bQkv, wOut, bOut), IValue.from((long) heads),
                IValue.from((PtNDArray) bias), IValue.from(meanKeys)), x, meanKeys ? 2 : 1);
        return new NDArray[] {r[0], meanKeys ? r[1] : null};
    }

    /**
     * The attention sublayer as {@link #linearBf16}, {@link #attentionBf16} and {@link #linearBf16} in a row
     * compute it, in one call ({@code bQkv} and {@code bOut} float32): the output, the queries and the
     * keys, each [B, N, C] float32.
     */
    NDArray[] selfAttentionQkBf16(NDArray x, NDArray wQkv, NDArray bQkv, NDArray wOut, NDArray bOut, int heads,
            NDArray bias, float scale) {
        return parts(run("self_attention_qk_bf16", tensors(x, wQkv, bQkv, wOut, bOut), IValue.from((long) heads),
                IValue.from((PtNDArray) bias), IValue.from((double) scale)), x, 3);
    }

    /** The first {@code keep} tensors of a tuple result, on {@code like}'s manager; the tuple is closed. */
    private static NDArray[] parts(IValue out, NDArray like, int keep) {
        try {
            IValue[] parts = out.toIValueTuple();
            PtNDManager m = (PtNDManager) like.getManager();
            NDArray[] r = new NDArray[keep];
            for (int i = 0; i < keep; i++) {
                r[i] = parts[i].toTensor(m);
            }
            for (IValue p : parts) {
                p.close();
            }
            return r;
        } finally {
            out.close();
        }
    }

    /** Packed int8 weights with their bias (an opaque native object the caller closes). */
    IValue prepareInt8(NDArray wT, NDArray b) {
        return call("prepare_int8", wT, b);
    }

    /**
     * {@code x · w + b} with {@code packed} from {@link #prepareInt8}; x and the result float32. x is
     * quantised over all 8 bits where the CPU's kernels allow it ({@link CpuFeatures#int8FullRange}).
     */
    NDArray linearInt8(NDArray x, IValue packed) {
        IValue in = IValue.from((PtNDArray) x);
        IValue range = IValue.from(reduceRange);
        try {
            JniUtils.setGraphExecutorOptimize(false);
            return tensor(IValueUtils.runMethod(block, "linear_int8", in, packed, range), x);
        } finally {
            in.close(); // not packed: the caller's
            range.close();
        }
    }

    private IValue call(String method, NDArray... args) {
        return run(method, tensors(args));
    }

    private static IValue[] tensors(NDArray... args) {
        IValue[] in = new IValue[args.length];
        for (int i = 0; i < args.length; i++) {
            in[i] = IValue.from((PtNDArray) args[i]);
        }
        return in;
    }

    /** Runs {@code method} on {@code tensors} then {@code scalars}, closing every argument. */
    private IValue run(String method, IValue[] tensors, IValue... scalars) {
        IValue[] in = new IValue[tensors.length + scalars.length];
        System.arraycopy(tensors, 0, in, 0, tensors.length);
        System.arraycopy(scalars, 0, in, tensors.length, scalars.length);
        try {
            // No profiling executor: it re-specialises the methods for every new token count (each
            // reduced layer has its own) instead of running them; DJL sets this per call too.
            JniUtils.setGraphExecutorOptimize(false);
            return IValueUtils.runMethod(block, method, in);
        } finally {
            for (IValue v : in) {
                v.close();
            }
        }
    }

    private static NDArray tensor(IValue out, NDArray like) {
        try {
            return out.toTensor((PtNDManager) like.getManager());
        } finally {
            out.close();
        }
    }
}
