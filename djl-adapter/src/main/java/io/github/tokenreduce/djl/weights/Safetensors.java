package io.github.tokenreduce.djl.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the safetensors format (8-byte little-endian header length, JSON header, raw data). F32,
 * F16 and BF16 tensors become float32 NDArrays, converted in Java (DJL's PyTorch engine crashes on
 * bfloat16); I64/I32 become int64. Every size and offset is checked against the file before any
 * byte reaches native code, so a truncated or corrupt file is an {@link IllegalArgumentException}
 * naming the file and the tensor, never a native crash.
 */
public final class Safetensors {

    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    /** Loads every tensor of {@code file} onto {@code device}, keyed by name (file order). */
    public static Map<String, NDArray> load(Path file, NDManager manager, Device device) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw corrupt(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw corrupt(file, "header length " + headerLen + " does not fit a file of " + size
                        + " bytes (truncated or not a safetensors file)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonObject header;
            try {
                header = JsonUtils.GSON.fromJson(new String(hb.array(), StandardCharsets.UTF_8), JsonObject.class);
            } catch (JsonParseException | IllegalStateException e) {
                throw corrupt(file, "header is not valid JSON: " + e.getMessage());
            }
            if (header == null) {
                throw corrupt(file, "empty header");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                out.put(e.getKey(), tensor(file, ch, e.getKey(), e.getValue(), dataStart, dataLen,
                        manager, device));
            }
            return out;
        }
    }

    private static NDArray tensor(Path file, FileChannel ch, String name, JsonElement spec,
            long dataStart, long dataLen, NDManager manager, Device device) throws IOException {
        JsonObject o;
        String dtype;
        long[] dims;
        long begin;
        long end;
        try {
            o = spec.getAsJsonObject();
            dtype = o.get("dtype").getAsString();
            var shapeArr = o.getAsJsonArray("shape");
            dims = new long[shapeArr.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shapeArr.get(i).getAsLong();
            }
            var offsets = o.getAsJsonArray("data_offsets");
            begin = offsets.get(0).getAsLong();
            end = offsets.get(1).getAsLong();
        } catch (RuntimeException ex) {
            throw corrupt(file, "tensor '" + name + "' has a malformed header entry: " + spec);
        }
        int width = switch (dtype) {
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            case "I64", "F64" -> 8;
            default -> throw corrupt(file, "tensor '" + name + "' has unsupported dtype " + dtype
                    + " (expected F32, F16, BF16, F64, I64 or I32)");
        };
        long count = 1;
        for (long d : dims) {
            if (d < 0) {
                throw corrupt(file, "tensor '" + name + "' has a negative dimension in " + new Shape(dims));
            }
            count *= d;
        }
        if (begin < 0 || end < begin || end - begin != count * width) {
            throw corrupt(file, "tensor '" + name + "' " + dtype + " " + new Shape(dims) + " needs "
                    + count * width + " bytes but its offsets are [" + begin + ", " + end + ")");
        }
        if (end > dataLen) {
            throw corrupt(file, "truncated: tensor '" + name + "' needs bytes [" + begin + ", " + end
                    + ") of the data section, which holds only " + dataLen);
        }
        if (count > Integer.MAX_VALUE / width) {
            throw corrupt(file, "tensor '" + name + "' is too large (" + count + " elements)");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, raw, dataStart + begin);
        raw.flip();
        Shape shape = new Shape(dims);
        NDArray arr = switch (dtype) {
            case "F32" -> manager.create(raw.asFloatBuffer(), shape, DataType.FLOAT32);
            case "F64" -> manager.create(raw.asDoubleBuffer(), shape, DataType.FLOAT64).toType(DataType.FLOAT32, false);
            case "F16" -> manager.create(halfToFloat(raw, (int) count, false), shape);
            case "BF16" -> manager.create(halfToFloat(raw, (int) count, true), shape);
            case "I64" -> manager.create(raw.asLongBuffer(), shape, DataType.INT64);
            default -> manager.create(raw.asIntBuffer(), shape, DataType.INT32).toType(DataType.INT64, false);
        };
        arr.setName(name);
        return device.equals(arr.getDevice()) ? arr : arr.toDevice(device, false);
    }

    /** Converts IEEE half or bfloat16 values to float32 in Java. */
    static FloatBuffer halfToFloat(ByteBuffer raw, int count, boolean bfloat) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            int h = raw.getShort(i * 2) & 0xffff;
            out[i] = bfloat ? HalfFloats.bfloat16(h) : HalfFloats.half(h);
        }
        return FloatBuffer.wrap(out);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static IllegalArgumentException corrupt(Path file, String what) {
        return new IllegalArgumentException("weights " + file + ": " + what);
    }
}
