package io.github.tokenreduce.djl.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.github.tokenreduce.djl.weights.dtype.HalfFloats;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
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
    private static final int MAX_DEPTH = 64;

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
            JsonObject header = header(file, new String(hb.array(), StandardCharsets.UTF_8));
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
                dims[i] = whole(shapeArr.get(i));
            }
            var offsets = o.getAsJsonArray("data_offsets");
            if (offsets.size() != 2) {
                throw new IllegalStateException("two data_offsets expected");
            }
            begin = whole(offsets.get(0));
            end = whole(offsets.get(1));
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
        boolean empty = false;
        long bytes;
        try {
            for (long d : dims) {
                if (d < 0) {
                    throw corrupt(file, "tensor '" + name + "' has a negative dimension in " + new Shape(dims));
                }
                empty |= d == 0;
                count = Math.multiplyExact(count, Math.max(d, 1)); // overflow is checked with the zeros left out too
            }
            bytes = Math.multiplyExact(count, width);
        } catch (ArithmeticException ex) {
            throw corrupt(file, "tensor '" + name + "' " + dtype + " " + new Shape(dims) + " has a size that overflows "
                    + "64 bits; expected a shape whose " + width + "-byte elements fit the data section of " + dataLen
                    + " bytes");
        }
        if (empty) {
            count = 0;
            bytes = 0;
        }
        if (begin < 0 || end < begin || end - begin != bytes) {
            throw corrupt(file, "tensor '" + name + "' " + dtype + " " + new Shape(dims) + " needs "
                    + bytes + " bytes but its offsets are [" + begin + ", " + end + ")");
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

    /** A whole number that fits 64 bits (else the entry is malformed). */
    private static long whole(JsonElement e) {
        if (!(e.getAsJsonPrimitive().getAsNumber() instanceof Long l)) {
            throw new IllegalStateException(e + " is not a whole number of 64 bits");
        }
        return l;
    }

    /**
     * The JSON header, parsed strictly: one object, no content after it, and no name twice in any
     * object (a JSON library keeps the last silently; here a tensor named twice is an error).
     */
    private static JsonObject header(Path file, String json) {
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw corrupt(file, "header is not a JSON object but starts with " + r.peek());
            }
            JsonObject header = value(file, r, "", 0).getAsJsonObject();
            boolean trailing;
            try {
                trailing = r.peek() != JsonToken.END_DOCUMENT;
            } catch (IOException more) { // a strict reader refuses a second value
                trailing = true;
            }
            if (trailing) {
                throw corrupt(file, "header has content after its JSON object");
            }
            return header;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw corrupt(file, "header is not valid JSON: " + e.getMessage());
        }
    }

    private static JsonElement value(Path file, JsonReader r, String path, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw corrupt(file, "header nests deeper than " + MAX_DEPTH + " levels at " + r.getPath());
        }
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String name = r.nextName();
                    if (o.has(name)) {
                        throw corrupt(file, "header names " + (path.isEmpty() ? "tensor '" + name + "'"
                                : "'" + name + "' in '" + path + "'") + " twice; expected each name once");
                    }
                    o.add(name, value(file, r, path.isEmpty() ? name : path + "." + name, depth + 1));
                }
                r.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) {
                    a.add(value(file, r, path, depth + 1));
                }
                r.endArray();
                return a;
            }
            case STRING -> {
                return new JsonPrimitive(r.nextString());
            }
            case NUMBER -> {
                String n = r.nextString();
                try {
                    return new JsonPrimitive(Long.parseLong(n));
                } catch (NumberFormatException notWhole) {
                    return new JsonPrimitive(new BigDecimal(n));
                }
            }
            case BOOLEAN -> {
                return new JsonPrimitive(r.nextBoolean());
            }
            case NULL -> {
                r.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw corrupt(file, "header: unexpected " + r.peek() + " at " + r.getPath());
        }
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
