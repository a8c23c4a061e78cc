package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;

/**
 * The {@link Tracer}'s manager: arrays it creates are computed on the witness manager and are
 * constants of the trace (a batch-sized one follows the input's batch); it owns nothing itself.
 */
final class TracedManager implements InvocationHandler {

    private final Tracer tracer;

    TracedManager(Tracer tracer) {
        this.tracer = tracer;
    }

    Tracer tracer() {
        return tracer;
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        String name = m.getName();
        if (m.getDeclaringClass() == Object.class) {
            return Tracer.objectMethod(proxy, m, args, "tracing manager");
        }
        switch (name) {
            case "newSubManager":
            case "getParentManager":
                return proxy;
            case "close":
            case "attachInternal":
            case "attachUncappedInternal":
            case "detachInternal":
            case "tempAttachInternal":
            case "cap":
                return null;
            case "from":
                return Tracer.handler(args[0]) != null ? args[0] : tracer.wrapConstant((NDArray) args[0]);
            default:
                break;
        }
        Object out = TracedArray.call(tracer.witnesses(), m, args);
        Class<?> rt = m.getReturnType();
        if (NDArray.class.isAssignableFrom(rt) || rt == NDList.class) {
            if (args != null) {
                for (Object a : args) {
                    if (Tracer.dependsOnInput(a)) {
                        throw TracedArray.unsupported(m);
                    }
                }
            }
            return tracer.wrapConstant(out);
        }
        return out;
    }
}
