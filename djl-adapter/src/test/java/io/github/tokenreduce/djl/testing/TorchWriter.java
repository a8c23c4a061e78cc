package io.github.tokenreduce.djl.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a {@code torch.save} zip checkpoint (pickle protocol 2, STORED entries) from Java values,
 * so tests can build checkpoints in exactly the layout the methods' authors release: nested
 * {@code Map}s become {@code OrderedDict}s, {@code List}s lists, {@link Tuple}s tuples, NDArrays
 * (float32 or int64) tensors rebuilt by {@code torch._utils._rebuild_tensor_v2}; strings, longs,
 * doubles, booleans and null as themselves.
 */
public final class TorchWriter {

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public static Tuple of(Object... items) {
            return new Tuple(List.of(items));
        }
    }

    private final ByteArrayOutputStream pkl = new ByteArrayOutputStream();
    private final List<byte[]> storages = new ArrayList<>();
    private final Map<NDArray, Integer> keys = new IdentityHashMap<>();

    private TorchWriter() {}

    /** Writes {@code root} to {@code file} under the archive prefix {@code prefix}. */
    public static void write(Path file, Object root, String prefix) throws IOException {
        TorchWriter w = new TorchWriter();
        w.op(0x80);
        w.op(2);
        w.value(root);
        w.op('.');
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            stored(zip, prefix + "/data.pkl", w.pkl.toByteArray());
            for (int k = 0; k < w.storages.size(); k++) {
                stored(zip, prefix + "/data/" + k, w.storages.get(k));
            }
            stored(zip, prefix + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private void value(Object v) {
        if (v == null) {
            op('N');
        } else if (v instanceof Boolean b) {
            op(b ? 0x88 : 0x89);
        } else if (v instanceof Integer || v instanceof Long) {
            long x = ((Number) v).longValue();
            if (x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE) {
                op('J');
                bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) x).array());
            } else {
                op(0x8a);
                op(8);
                bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(x).array());
            }
        } else if (v instanceof Double || v instanceof Float) {
            op('G');
            bytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(((Number) v).doubleValue()).array());
        } else if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            bytes(b);
        } else if (v instanceof Map<?, ?> m) {
            global("collections", "OrderedDict");
            op(')');
            op('R');
            if (!m.isEmpty()) {
                op('(');
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    value(e.getKey());
                    value(e.getValue());
                }
                op('u');
            }
        } else if (v instanceof Tuple t) {
            op('(');
            for (Object x : t.items()) {
                value(x);
            }
            op('t');
        } else if (v instanceof List<?> l) {
            op(']');
            if (!l.isEmpty()) {
                op('(');
                for (Object x : l) {
                    value(x);
                }
                op('e');
            }
        } else if (v instanceof NDArray a) {
            tensor(a);
        } else {
            throw new IllegalArgumentException("cannot pickle a " + v.getClass());
        }
    }

    private void tensor(NDArray a) {
        boolean floating = a.getDataType() != DataType.INT64;
        Integer key = keys.get(a);
        long n = a.getShape().size();
        if (key == null) {
            key = storages.size();
            keys.put(a, key);
            ByteBuffer b = ByteBuffer.allocate((int) n * (floating ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
            if (floating) {
                for (float f : a.toType(DataType.FLOAT32, false).toFloatArray()) {
                    b.putFloat(f);
                }
            } else {
                for (long x : a.toLongArray()) {
                    b.putLong(x);
                }
            }
            storages.add(b.array());
        }
        global("torch._utils", "_rebuild_tensor_v2");
        op('(');
        op('(');
        value("storage");
        global("torch", floating ? "FloatStorage" : "LongStorage");
        value(Integer.toString(key));
        value("cpu");
        value(n);
        op('t');
        op('Q');
        value(0L);
        long[] dims = a.getShape().getShape();
        long[] stride = new long[dims.length];
        long s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= dims[i];
        }
        List<Object> size = new ArrayList<>();
        List<Object> strides = new ArrayList<>();
        for (int i = 0; i < dims.length; i++) {
            size.add(dims[i]);
            strides.add(stride[i]);
        }
        value(new Tuple(size));
        value(new Tuple(strides));
        value(Boolean.FALSE);
        global("collections", "OrderedDict");
        op(')');
        op('R');
        op('t');
        op('R');
    }

    private void global(String module, String name) {
        op('c');
        bytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void op(int b) {
        pkl.write(b);
    }

    private void bytes(byte[] b) {
        pkl.writeBytes(b);
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
