package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * The engine-internal operations ({@code NDArray.getNDArrayInternal()}) of a {@link TracedArray}:
 * layer norm, GELU, sigmoid, where, stack, concat and the embedding lookup, recorded as
 * {@link TracedArray} records the array's own methods.
 */
final class TracedEx implements InvocationHandler {

    private final TracedArray owner;

    TracedEx(TracedArray owner) {
        this.owner = owner;
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        if (m.getDeclaringClass() == Object.class) {
            return Tracer.objectMethod(proxy, m, args, "NDArrayEx of " + owner.self());
        }
        Tracer t = owner.tracer();
        Object target = owner.witness().getNDArrayInternal();
        Class<?> rt = m.getReturnType();
        if (!NDArray.class.isAssignableFrom(rt) && rt != NDList.class) {
            throw TracedArray.unsupported(m);
        }
        boolean graph = owner.isGraph() || (args != null && Arrays.stream(args).anyMatch(Tracer::dependsOnInput));
        if (!graph) {
            return t.wrapConstant(TracedArray.call(target, m, args));
        }
        if (OnnxOps.recordsEx(m)) {
            Object out = TracedArray.call(target, m, args);
            if (out instanceof NDList l) { // layer norm: the normalised values (mean and variance are not kept)
                for (int i = 1; i < l.size(); i++) {
                    l.get(i).close();
                }
                NDArray head = l.head();
                return new NDList(t.wrapGraph(head, OnnxOps.emitEx(t, m, owner, args, head)));
            }
            return t.wrapGraph((NDArray) out, OnnxOps.emitEx(t, m, owner, args, (NDArray) out));
        }
        if (m.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, m, args);
        }
        throw TracedArray.unsupported(m);
    }
}
