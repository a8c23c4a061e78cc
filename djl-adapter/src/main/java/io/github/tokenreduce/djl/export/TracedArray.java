package io.github.tokenreduce.djl.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One array of a {@link Tracer}: its example value (the witness) and, when it depends on the
 * input, the ONNX value that computes it. Every {@link NDArray} method lands here: metadata and
 * reads go to the witness, operations on constants are computed eagerly, operations on graph
 * arrays are computed on the witness and recorded by {@link OnnxOps}; DJL's default methods
 * decompose into the ones recorded; anything else is an {@link UnsupportedOperationException}.
 */
final class TracedArray implements InvocationHandler {

    /** Methods that only describe the array. */
    private static final Set<String> METADATA = Set.of("getShape", "getDataType", "getDevice", "getName", "setName",
            "getUid", "getSparseFormat", "isReleased", "size", "isScalar", "isEmpty", "getRank", "hasGradient");

    /** Operations that can give a constant a batch axis. */
    private static final Set<String> EXPANDS = Set.of("broadcast", "repeat");

    private final Tracer tracer;
    private final NDArray witness;
    private String value;
    private NDArray self;
    /** A range 0..B-1 made in Java, taken for the batch index though it may be a range of another length. */
    private boolean guessedBatchIndex;

    TracedArray(Tracer tracer, NDArray witness, String value) {
        this.tracer = tracer;
        this.witness = witness;
        this.value = value;
    }

    void bind(NDArray proxy) {
        this.self = proxy;
    }

    NDArray witness() {
        return witness;
    }

    String value() {
        return value;
    }

    /** Marks this array as a Java-made range taken for the batch index ({@link Tracer}). */
    void guessedBatchIndex() {
        guessedBatchIndex = true;
    }

    boolean isGraph() {
        return value != null;
    }

    Tracer tracer() {
        return tracer;
    }

    NDArray self() {
        return self;
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        String name = m.getName();
        if (m.getDeclaringClass() == Object.class) {
            return Tracer.objectMethod(proxy, m, args, (isGraph() ? "traced " + value : "constant") + " "
                    + witness.getShape() + " " + witness.getDataType());
        }
        switch (name) {
            case "getManager":
                return tracer.manager();
            case "getNDArrayInternal":
                return Proxy.newProxyInstance(NDArrayEx.class.getClassLoader(), new Class<?>[] {NDArrayEx.class},
                        new TracedEx(this));
            case "close":
                witness.close();
                return null;
            case "attach":
            case "detach":
            case "returnResource":
                return null;
            case "tempAttach":
                return tracer.manager();
            case "toDevice":
                return proxy;
            default:
                break;
        }
        Class<?> rt = m.getReturnType();
        boolean arrays = NDArray.class.isAssignableFrom(rt) || rt == NDList.class;
        if (!arrays) {
            if (rt == NDManager.class || rt == NDArrayEx.class) {
                throw unsupported(m);
            }
            if (isGraph() && !METADATA.contains(name)) {
                tracer.read("NDArray." + name + " of " + witness.getShape() + " " + witness.getDataType());
            }
            return call(witness, m, args);
        }
        return operation(proxy, m, args);
    }

    private Object operation(Object proxy, Method m, Object[] args) throws Throwable {
        boolean graph = isGraph() || (args != null && Arrays.stream(args).anyMatch(Tracer::dependsOnInput));
        if (!graph) {
            Object out = call(witness, m, args);
            if (out == witness) {
                tracer.changed(this); // in place on a constant
                return proxy;
            }
            if (EXPANDS.contains(m.getName()) && out instanceof NDArray a && tracer.isBatched(a.getShape())) {
                // a constant broadcast to the batch: expanded in the graph, stored once unexpanded
                return tracer.wrapGraph(a, OnnxOps.emit(tracer, m, this, args, a));
            }
            return tracer.wrapConstant(out);
        }
        if (OnnxOps.records(m)) {
            Object out = call(witness, m, args);
            if (out == witness && !OnnxOps.inPlace(m.getName())) {
                return proxy; // a no-op (toType to the same type)
            }
            String v;
            try {
                v = OnnxOps.emit(tracer, m, this, args, (NDArray) out);
            } catch (UnsupportedOperationException e) {
                if (guessedBatchIndex && out != witness && (args == null
                        || Arrays.stream(args).noneMatch(Tracer::dependsOnInput))) {
                    // moved off the first axis: a range whose length only equals the example's batch
                    return tracer.wrapConstant(out);
                }
                throw e;
            }
            if (out == witness) {
                value = v;
                return proxy;
            }
            return tracer.wrapGraph((NDArray) out, v);
        }
        if (m.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, m, args);
        }
        throw unsupported(m);
    }

    /** Calls {@code m} on {@code target} with the arguments' witnesses. */
    static Object call(Object target, Method m, Object[] args) throws Throwable {
        Object[] raw = args == null ? null : Arrays.stream(args).map(Tracer::unwrap).toArray();
        try {
            return m.invoke(target, raw);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    static UnsupportedOperationException unsupported(Method m) {
        return new UnsupportedOperationException("ONNX export: " + m.getDeclaringClass().getSimpleName() + "."
                + m.getName() + "(" + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                        .collect(Collectors.joining(", "))
                + ") on an input-dependent array has no ONNX form in the tracer (io.github.tokenreduce.djl.export."
                + "OnnxOps); add one there or keep the method on the ops it records");
    }
}
