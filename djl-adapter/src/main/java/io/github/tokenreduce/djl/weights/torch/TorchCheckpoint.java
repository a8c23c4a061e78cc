package io.github.tokenreduce.djl.weights.torch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.djl.weights.dtype.HalfFloats;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint ({@code torch.save}) read in Java, safe by construction: the zip format
 * ({@code <prefix>/data.pkl} plus {@code <prefix>/data/<key>} storages, read through the zip's
 * central directory) and the pre-1.6 legacy format (five pickles, then the raw storages). The pickle
 * is read by a restricted machine ({@link Unpickler}) with an allow-list of globals; nothing is ever
 * executed, and a forbidden global is an error naming it. A TorchScript archive is recognised and
 * reported as such. Every size, offset and stride is checked against its storage before any byte
 * reaches native code, so a truncated or corrupt file is an {@link IllegalArgumentException} saying
 * so, never a crash.
 *
 * <p>Tensors (f32, f16, bf16 and f64 widened or narrowed to float32, as the safetensors reader does;
 * integers to int64) are named by their path through nested dicts joined with dots
 * ({@code model.visual.proj}); non-contiguous views, storages shared by several tensors, tied
 * weights (one tensor under two names) and {@code nn.Parameter}s all load. Plain values (epoch,
 * config, a MADTP temperature) are available from {@link #values()}.
 */
public final class TorchCheckpoint {

    private static final long LEGACY_MAGIC_HI = 0x1950L;
    private static final long LEGACY_MAGIC_LO = 0xa86a20f9469cfc6cL;
    private static final int MAX_DEPTH = 64;
    private static final long MAX_INFLATED = 1L << 31;

    private final String source;
    private final String format;
    private final Object root;
    private final Map<String, byte[]> storages;

    private TorchCheckpoint(String source, String format, Object root, Map<String, byte[]> storages) {
        this.source = source;
        this.format = format;
        this.root = root;
        this.storages = storages;
    }

    /** Whether {@code head} (a file's first bytes) starts a PyTorch checkpoint (zip or legacy pickle). */
    public static boolean sniff(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4
                || head.length >= 3 && (head[0] & 0xff) == 0x80 && head[1] == 2 && (head[2] & 0xff) == 0x8a;
    }

    /** Reads {@code file}. */
    public static TorchCheckpoint read(Path file) throws IOException {
        String name = file.getFileName().toString();
        byte[] head = new byte[4];
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n < 4) {
                throw new IllegalArgumentException("truncated or corrupt checkpoint: " + file + " has only " + n + " bytes");
            }
        }
        if (head[0] == 'P' && head[1] == 'K') {
            return readZip(file, name);
        }
        if ((head[0] & 0xff) == 0x80) {
            return readLegacy(file, name);
        }
        if (head[0] == 0x1f && (head[1] & 0xff) == 0x8b || isTar(file)) {
            throw new IllegalArgumentException(file + " looks like a tar/gzip archive: the pre-0.4 torch.save format "
                    + "is not supported; re-save it with a current PyTorch");
        }
        throw new IllegalArgumentException("not a PyTorch checkpoint: " + file
                + " starts with neither a zip header nor a pickle protocol 2 header");
    }

    /** Every tensor, named by its path through nested containers, on {@code manager}'s {@code device}. */
    public Map<String, NDArray> tensors(NDManager manager, Device device) {
        return materialize(flattenTensors(root), manager, device);
    }

    /**
     * The tensors of the model's state dict: the sub-dict under {@code state_dict}, {@code model},
     * {@code module} or {@code model_state_dict} when the top level holds no tensor itself (the
     * training-checkpoint layout {@code {"model": ..., "optimizer": ..., "epoch": ...}}), else every
     * tensor.
     */
    public Map<String, NDArray> stateDict(NDManager manager, Device device) {
        return materialize(flattenTensors(stateDictRoot()), manager, device);
    }

    /** Plain (non-tensor) values, by dotted path: epoch, config entries, a MADTP temperature. */
    public Map<String, Object> values() {
        Map<String, Object> out = new LinkedHashMap<>();
        walk(root, "", 0, (k, v) -> {
            if (!(v instanceof TorchTensor)) {
                out.put(k, v);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    private Object stateDictRoot() {
        if (root instanceof Map<?, ?> m && m.values().stream().noneMatch(v -> v instanceof TorchTensor)) {
            for (String k : new String[] {"state_dict", "model", "module", "model_state_dict"}) {
                if (m.get(k) instanceof Map<?, ?> sub && !flattenTensors(sub).isEmpty()) {
                    return sub;
                }
            }
        }
        return root;
    }

    // ------------------------------------------------------------------ zip

    private static TorchCheckpoint readZip(Path file, String name) throws IOException {
        long fileSize = java.nio.file.Files.size(file);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            boolean script = false;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements();) {
                String n = e.nextElement().getName();
                int slash = n.indexOf('/');
                String rest = slash < 0 ? n : n.substring(slash + 1);
                if (TorchScriptArchive.isScriptEntry(n)) {
                    script = true;
                }
                if (rest.equals("data.pkl")) {
                    if (prefix != null) {
                        throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name
                                + " holds more than one data.pkl");
                    }
                    prefix = slash < 0 ? "" : n.substring(0, slash + 1);
                }
            }
            if (script) {
                throw new IllegalArgumentException(name + " is a TorchScript archive (torch.jit.save), not a state dict: "
                        + "load it with WeightFiles (or a model's load), which reads its parameters through the PyTorch "
                        + "engine (TorchScriptArchive)");
            }
            if (prefix == null) {
                throw new IllegalArgumentException("not a PyTorch checkpoint: " + name + " is a zip without data.pkl");
            }
            String base = prefix;
            byte[] pkl = entry(zip, base + "data.pkl", fileSize, name);
            Map<String, byte[]> storages = new HashMap<>();
            Object root = Unpickler.load(ByteBuffer.wrap(pkl), name + ":" + base + "data.pkl", new TorchGlobals(name),
                    pid -> zipStorage(pid, name));
            for (TorchTensor t : flattenTensors(root).values()) {
                String key = t.storage().key();
                if (!storages.containsKey(key)) {
                    storages.put(key, entry(zip, base + "data/" + key, fileSize, name));
                }
            }
            return new TorchCheckpoint(name, "zip", root, storages);
        } catch (ZipException e) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": zip "
                    + (e.getMessage() != null && e.getMessage().contains("END header")
                    ? "end-of-central-directory record not found" : e.getMessage()), e);
        } catch (java.io.EOFException e) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name
                    + ": an entry ends before its declared size", e);
        }
    }

    private static Object zipStorage(Object pid, String name) {
        if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name
                    + ": a persistent id is not ('storage', type, key, location, numel): " + pid);
        }
        return storageRef(t, name);
    }

    private static StorageRef storageRef(List<?> t, String name) {
        if (!(t.get(1) instanceof Unpickler.Global g) || StorageType.of(g.name()) == null
                || !(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel) || numel < 0) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name
                    + ": a malformed storage id " + t);
        }
        if (!key.matches("[A-Za-z0-9_.]{1,64}")) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": storage key '" + key
                    + "' is not a plain name");
        }
        return new StorageRef(StorageType.of(g.name()), key, numel, 0);
    }

    private static byte[] entry(ZipFile zip, String entryName, long fileSize, String name) throws IOException {
        ZipEntry e = zip.getEntry(entryName);
        if (e == null) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + " has no entry " + entryName);
        }
        long cap = e.getMethod() == ZipEntry.STORED ? fileSize : Math.min(MAX_INFLATED, Math.max(fileSize, 1) * 200);
        if (e.getSize() > cap) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": entry " + entryName
                    + " claims " + e.getSize() + " bytes, more than the file can hold");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) Math.min(cap, Integer.MAX_VALUE - 16));
            if (in.read() >= 0) {
                throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": entry " + entryName
                        + " inflates beyond " + cap + " bytes");
            }
            if (e.getSize() >= 0 && b.length != e.getSize()) {
                throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": entry " + entryName
                        + " holds " + b.length + " bytes, not the " + e.getSize() + " its header says");
            }
            return b;
        }
    }

    // ------------------------------------------------------------------ legacy

    private static TorchCheckpoint readLegacy(Path file, String name) throws IOException {
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(name + ": legacy checkpoints over 2 GiB are not supported");
            }
            buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        TorchGlobals globals = new TorchGlobals(name);
        Object magic = Unpickler.load(buf, name + " (magic)", globals, pid -> {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": unexpected storage");
        });
        BigInteger want = BigInteger.valueOf(LEGACY_MAGIC_HI).shiftLeft(64).or(new BigInteger(Long.toUnsignedString(LEGACY_MAGIC_LO)));
        if (!want.equals(magic)) {
            throw new IllegalArgumentException("not a PyTorch checkpoint: " + name + " starts with a pickle but not "
                    + "torch's legacy magic number");
        }
        Object protocol = Unpickler.load(buf, name + " (protocol)", globals, pid -> null);
        if (!Long.valueOf(1001).equals(protocol)) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": legacy protocol "
                    + protocol + ", expected 1001");
        }
        Object sysInfo = Unpickler.load(buf, name + " (sys_info)", globals, pid -> null);
        if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw new IllegalArgumentException(name + ": a big-endian legacy checkpoint is not supported");
        }
        Map<String, StorageRef> roots = new HashMap<>();
        Object root = Unpickler.load(buf, name + " (object)", globals, pid -> legacyStorage(pid, name, roots));
        Object keys = Unpickler.load(buf, name + " (storage keys)", globals, pid -> null);
        if (!(keys instanceof List<?> keyList)) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": storage keys are a "
                    + Unpickler.typeName(keys));
        }
        Map<String, byte[]> storages = new HashMap<>();
        for (Object k : keyList) {
            StorageRef ref = roots.get(String.valueOf(k));
            if (buf.remaining() < 8) {
                throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + " ends before storage " + k);
            }
            long count = buf.getLong();
            int width = ref == null ? 1 : ref.type().bytes;
            if (count < 0 || count > buf.remaining() / width) {
                throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": storage " + k
                        + " claims " + count + " elements where " + buf.remaining() + " bytes remain");
            }
            byte[] b = new byte[(int) (count * width)];
            buf.get(b);
            if (ref != null) {
                storages.put(ref.key(), b);
            }
        }
        return new TorchCheckpoint(name, "legacy", root, storages);
    }

    private static Object legacyStorage(Object pid, String name, Map<String, StorageRef> roots) {
        if (!(pid instanceof List<?> t) || t.size() != 6 || !"storage".equals(t.get(0))) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name
                    + ": a persistent id is not ('storage', type, key, location, numel, view): " + pid);
        }
        StorageRef ref = storageRef(t, name);
        StorageRef known = roots.putIfAbsent(ref.key(), ref);
        if (known != null && known.type() != ref.type()) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": storage " + ref.key()
                    + " is both " + known.type() + " and " + ref.type());
        }
        Object view = t.get(5);
        if (view == null) {
            return known == null ? ref : known;
        }
        if (!(view instanceof List<?> v) || v.size() != 3 || !(v.get(1) instanceof Long off) || off < 0
                || !(v.get(2) instanceof Long size) || size < 0) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + name + ": malformed view " + view);
        }
        return new StorageRef(ref.type(), ref.key(), size, off);
    }

    // ------------------------------------------------------------------ tensors

    private static Map<String, TorchTensor> flattenTensors(Object node) {
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        walk(node, "", 0, (k, v) -> {
            if (v instanceof TorchTensor t) {
                out.put(k, t);
            }
        });
        return out;
    }

    private static void walk(Object node, String path, int depth, java.util.function.BiConsumer<String, Object> leaf) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: nesting deeper than " + MAX_DEPTH
                    + " at " + path);
        }
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), join(path, String.valueOf(e.getKey())), depth + 1, leaf);
            }
        } else if (node instanceof List<?> l && l.stream().anyMatch(x -> x instanceof TorchTensor
                || x instanceof Map<?, ?> || x instanceof List<?>)) {
            for (int i = 0; i < l.size(); i++) {
                walk(l.get(i), join(path, Integer.toString(i)), depth + 1, leaf);
            }
        } else {
            leaf.accept(path, node);
        }
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "." + b;
    }

    private Map<String, NDArray> materialize(Map<String, TorchTensor> tensors, NDManager manager, Device device) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        Map<TorchTensor, NDArray> made = new IdentityHashMap<>();
        for (Map.Entry<String, TorchTensor> e : tensors.entrySet()) {
            NDArray a = made.get(e.getValue());
            if (a == null) {
                a = array(e.getKey(), e.getValue(), manager, device);
                made.put(e.getValue(), a);
            }
            out.put(e.getKey(), a); // tied weights: one array under both names
        }
        return out;
    }

    private NDArray array(String name, TorchTensor t, NDManager manager, Device device) {
        StorageRef s = t.storage();
        byte[] data = storages.get(s.key());
        if (data == null) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + source + ": tensor '" + name
                    + "' uses storage " + s.key() + ", which the file does not hold");
        }
        int w = s.type().bytes;
        long rootNumel = data.length / w;
        if (s.viewOffset() + s.numel() > rootNumel) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + source + ": storage " + s.key()
                    + " holds " + rootNumel + " elements, fewer than the " + (s.viewOffset() + s.numel()) + " declared");
        }
        long count;
        long last = t.offset();
        try {
            count = t.elements();
            for (int i = 0; i < t.size().length; i++) {
                if (t.size()[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(t.size()[i] - 1, t.stride()[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + source + ": tensor '" + name
                    + "' has an overflowing size or stride");
        }
        if (count > Integer.MAX_VALUE / 8 || count > 0 && last >= s.numel()) {
            throw new IllegalArgumentException("truncated or corrupt checkpoint: " + source + ": tensor '" + name
                    + "' of size " + java.util.Arrays.toString(t.size()) + ", stride " + java.util.Arrays.toString(t.stride())
                    + " and offset " + t.offset() + " reaches element " + last + " of a " + s.numel() + "-element storage");
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) count;
        long[] idx = new long[n];
        int[] counter = new int[t.size().length];
        for (int k = 0; k < n; k++) {
            long off = s.viewOffset() + t.offset();
            for (int d = 0; d < counter.length; d++) {
                off += counter[d] * t.stride()[d];
            }
            idx[k] = off;
            for (int d = counter.length - 1; d >= 0; d--) {
                if (++counter[d] < t.size()[d]) {
                    break;
                }
                counter[d] = 0;
            }
        }
        Shape shape = new Shape(t.size());
        NDArray a;
        if (s.type().floating()) {
            float[] v = new float[n];
            for (int k = 0; k < n; k++) {
                int p = (int) (idx[k] * w);
                v[k] = switch (s.type()) {
                    case FLOAT -> b.getFloat(p);
                    case DOUBLE -> (float) b.getDouble(p);
                    case BFLOAT16 -> HalfFloats.bfloat16(b.getShort(p));
                    default -> HalfFloats.half(b.getShort(p));
                };
            }
            a = manager.create(FloatBuffer.wrap(v), shape, DataType.FLOAT32);
        } else {
            long[] v = new long[n];
            for (int k = 0; k < n; k++) {
                int p = (int) (idx[k] * w);
                v[k] = switch (s.type()) {
                    case LONG -> b.getLong(p);
                    case INT -> b.getInt(p);
                    case SHORT -> b.getShort(p);
                    case CHAR -> b.get(p);
                    default -> b.get(p) & 0xff;
                };
            }
            a = manager.create(LongBuffer.wrap(v), shape, DataType.INT64);
        }
        a.setName(name);
        return device.equals(a.getDevice()) ? a : a.toDevice(device, false);
    }

    private static boolean isTar(Path file) throws IOException {
        if (java.nio.file.Files.size(file) < 512) {
            return false;
        }
        byte[] b = new byte[6];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(b), 257);
        }
        return new String(b, java.nio.charset.StandardCharsets.US_ASCII).startsWith("ustar");
    }

    @Override
    public String toString() {
        return "TorchCheckpoint(" + source + ", " + format + ", " + flattenTensors(root).size() + " tensors)";
    }
}
