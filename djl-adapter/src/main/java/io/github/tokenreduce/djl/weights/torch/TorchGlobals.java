package io.github.tokenreduce.djl.weights.torch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The allow-list of globals a state dict may name, and what each does: {@code collections.OrderedDict}
 * builds a dict; {@code torch._utils._rebuild_tensor(_v2)} a {@link TorchTensor} view;
 * {@code torch._utils._rebuild_parameter(_with_state)} unwraps an {@code nn.Parameter}; the typed
 * storage classes ({@code torch.FloatStorage}, ...) only name a storage type inside persistent ids.
 */
final class TorchGlobals implements Unpickler.Callables {

    private final String source;

    TorchGlobals(String source) {
        this.source = source;
    }

    @Override
    public boolean allowed(String module, String name) {
        return switch (module) {
            case "collections" -> name.equals("OrderedDict");
            case "torch._utils" -> name.equals("_rebuild_tensor_v2") || name.equals("_rebuild_tensor")
                    || name.equals("_rebuild_parameter") || name.equals("_rebuild_parameter_with_state");
            case "torch" -> StorageType.of(name) != null;
            default -> false;
        };
    }

    @Override
    public Object call(Unpickler.Global g, List<Object> args) {
        switch (g.name()) {
            case "OrderedDict" -> {
                Map<Object, Object> d = new LinkedHashMap<>();
                if (!args.isEmpty()) {
                    if (args.size() != 1 || !(args.get(0) instanceof List<?> pairs)) {
                        throw bad(g, "expects no argument or a list of pairs");
                    }
                    for (Object p : pairs) {
                        if (!(p instanceof List<?> kv) || kv.size() != 2) {
                            throw bad(g, "expects (key, value) pairs");
                        }
                        d.put(kv.get(0), kv.get(1));
                    }
                }
                return d;
            }
            case "_rebuild_tensor_v2", "_rebuild_tensor" -> {
                int min = g.name().equals("_rebuild_tensor") ? 4 : 6;
                if (args.size() < min || args.size() > min + 1) {
                    throw bad(g, "expects " + min + " or " + (min + 1) + " arguments, got " + args.size());
                }
                if (!(args.get(0) instanceof StorageRef storage)) {
                    throw bad(g, "expects a storage first, got " + Unpickler.typeName(args.get(0)));
                }
                long offset = integer(g, args.get(1), "storage offset");
                long[] size = dims(g, args.get(2), "size");
                long[] stride = dims(g, args.get(3), "stride");
                if (size.length != stride.length) {
                    throw bad(g, "size " + java.util.Arrays.toString(size) + " and stride "
                            + java.util.Arrays.toString(stride) + " differ in rank");
                }
                return new TorchTensor(storage, offset, size, stride);
            }
            case "_rebuild_parameter", "_rebuild_parameter_with_state" -> {
                if (args.isEmpty() || !(args.get(0) instanceof TorchTensor t)) {
                    throw bad(g, "expects a tensor first");
                }
                return t;
            }
            default -> throw bad(g, "is a storage type, not a function");
        }
    }

    private long integer(Unpickler.Global g, Object o, String what) {
        if (!(o instanceof Long v) || v < 0) {
            throw bad(g, what + " must be a non-negative int, got " + o);
        }
        return v;
    }

    private long[] dims(Unpickler.Global g, Object o, String what) {
        if (!(o instanceof List<?> l) || l.size() > 16) {
            throw bad(g, what + " must be a tuple of at most 16 ints, got " + Unpickler.typeName(o));
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(g, l.get(i), what + "[" + i + "]");
        }
        return out;
    }

    private IllegalArgumentException bad(Unpickler.Global g, String what) {
        return new IllegalArgumentException("truncated or corrupt checkpoint: " + source + ": " + g + " " + what);
    }
}
