package io.github.tokenreduce.djl.export;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An ONNX file from a user, checked before ONNX Runtime runs it: a missing, empty, truncated or
 * foreign file, or one whose input does not fit the array given, is refused with a message naming the
 * file, what was seen and what was expected, instead of whatever the native loader reports. The check
 * reads only the top-level fields of the {@code ModelProto} (their tags and declared lengths, skipping
 * their contents), so it is bounded by the file's size and costs one pass over it.
 */
public final class OnnxFile {

    /** Protobuf's limit on one message; an ONNX file over it needs external data, which is not read here. */
    static final long MAX_BYTES = Integer.MAX_VALUE;

    private static final int IR_VERSION = 1;
    private static final int GRAPH = 7;
    private static final int OPSET_IMPORT = 8;

    private OnnxFile() {}

    /** A graph input: its name, the shape of an array fed to it and its element type. */
    public record Input(String name, long[] shape, OnnxJavaType type) {}

    /**
     * Checks {@code file} ({@link #check}), opens it in ONNX Runtime with {@code options} and checks that
     * it takes one input {@code inputName} of {@code type} that an array of {@code shape} fits ({@link #checkInputs}).
     */
    public static OrtSession open(Path file, OrtSession.SessionOptions options, String inputName, long[] shape,
            OnnxJavaType type) {
        return open(file, options, List.of(new Input(inputName, shape, type)));
    }

    /**
     * Checks {@code file} ({@link #check}), opens it in ONNX Runtime with {@code options} and checks that
     * it takes exactly {@code inputs} ({@link #checkInputs}).
     */
    public static OrtSession open(Path file, OrtSession.SessionOptions options, List<Input> inputs) {
        long size = check(file);
        OrtSession session;
        try {
            session = OrtEnvironment.getEnvironment().createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new IllegalArgumentException("ONNX file: ONNX Runtime cannot load " + file + " (" + size + " bytes, "
                    + "a complete ModelProto): " + e.getMessage(), e);
        }
        try {
            checkInputs(session, file, inputs);
            return session;
        } catch (RuntimeException e) {
            try {
                session.close();
            } catch (OrtException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Checks that {@code file} is a whole ONNX {@code ModelProto}: present, not empty, every top-level
     * field complete with a wire type protobuf allows, with an IR version, a graph and an opset.
     *
     * @return the file's size in bytes
     * @throws IllegalArgumentException naming what is wrong
     */
    public static long check(Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("ONNX file: " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("ONNX file: " + file + " is not a regular file");
        }
        try {
            long size = Files.size(file);
            if (size == 0) {
                throw new IllegalArgumentException("ONNX file: " + file + " is empty; expected an ONNX model");
            }
            if (size > MAX_BYTES) {
                throw new IllegalArgumentException("ONNX file: " + file + " has " + size + " bytes, over protobuf's "
                        + "2 GiB limit for one model (weights in external data files are not supported)");
            }
            boolean[] seen = new boolean[OPSET_IMPORT + 1];
            try (Reader in = new Reader(new BufferedInputStream(Files.newInputStream(file)), size, file)) {
                while (in.pos < size) {
                    long at = in.pos;
                    long tag = in.varint("a field's tag");
                    int field = (int) Math.min(tag >>> 3, Integer.MAX_VALUE);
                    int wire = (int) (tag & 7);
                    if (field == 0 || wire == 3 || wire == 4 || wire > 5) {
                        throw foreign(file, at, "tag " + tag + " (field " + field + ", wire type " + wire + ")");
                    }
                    int expected = expectedWire(field);
                    if (expected >= 0 && wire != expected) {
                        throw foreign(file, at, "field " + field + " with wire type " + wire + " (" + name(field)
                                + " has wire type " + expected + ")");
                    }
                    if (field < seen.length) {
                        seen[field] = true;
                    }
                    switch (wire) {
                        case 0 -> in.varint("the " + name(field) + " (field " + field + ")");
                        case 1 -> in.skip(8, field, at);
                        case 5 -> in.skip(4, field, at);
                        default -> in.skip(in.varint("the length of the " + name(field) + " (field " + field + ")"),
                                field, at);
                    }
                }
            }
            for (int f : new int[] {IR_VERSION, GRAPH, OPSET_IMPORT}) {
                if (!seen[f]) {
                    throw new IllegalArgumentException("ONNX file: " + file + " (" + size + " bytes) has no "
                            + name(f) + " (ModelProto field " + f + "): truncated, or not an ONNX model");
                }
            }
            return size;
        } catch (IOException e) {
            throw new UncheckedIOException("ONNX file: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks that {@code session} (opened from {@code file}) takes exactly the inputs {@code expected}: by
     * name, each a tensor of its type whose rank and fixed dimensions fit its shape.
     */
    public static void checkInputs(OrtSession session, Path file, List<Input> expected) {
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            List<String> names = expected.stream().map(Input::name).toList();
            if (!inputs.keySet().containsAll(names) || inputs.size() != expected.size()) {
                throw new IllegalArgumentException("ONNX file: " + file + " takes the inputs " + inputs.keySet()
                        + "; expected " + expected.stream().map(i -> i.type() + " '" + i.name() + "'").toList()
                        + " (a graph written by this project's export)");
            }
            for (Input in : expected) {
                String name = in.name();
                if (!(inputs.get(name).getInfo() instanceof TensorInfo t) || t.type != in.type()) {
                    throw new IllegalArgumentException("ONNX file: " + file + "'s input '" + name + "' is "
                            + inputs.get(name).getInfo() + "; expected a " + in.type() + " tensor");
                }
                long[] want = t.getShape();
                long[] shape = in.shape();
                boolean fits = want.length == shape.length;
                for (int i = 0; fits && i < want.length; i++) {
                    fits = want[i] < 0 || want[i] == shape[i];
                }
                if (!fits) {
                    throw new IllegalArgumentException("ONNX file: " + file + "'s input '" + name + "' has shape "
                            + Arrays.toString(want) + " (-1: any); got an array of shape " + Arrays.toString(shape));
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: cannot read the inputs of " + file + ": " + e.getMessage(), e);
        }
    }

    /** The wire type of a ModelProto field (0: varint, 2: length-delimited), or -1 for a field it does not define. */
    private static int expectedWire(int field) {
        return switch (field) {
            case IR_VERSION, 5 -> 0; // ir_version, model_version
            case 2, 3, 4, 6, GRAPH, OPSET_IMPORT, 14, 20, 25 -> 2; // strings, graph, opsets, metadata, training, functions
            default -> -1;
        };
    }

    /** A ModelProto field's name ("graph"), or "field N" for one it does not define. */
    private static String name(int field) {
        return switch (field) {
            case IR_VERSION -> "IR version";
            case 2 -> "producer name";
            case 3 -> "producer version";
            case 4 -> "domain";
            case 5 -> "model version";
            case 6 -> "doc string";
            case GRAPH -> "graph";
            case OPSET_IMPORT -> "opset import";
            case 14 -> "metadata";
            case 20 -> "training info";
            case 25 -> "functions";
            default -> "field " + field;
        };
    }

    private static IllegalArgumentException foreign(Path file, long at, String what) {
        return new IllegalArgumentException("ONNX file: " + file + " is not an ONNX model: at byte " + at + " it has "
                + what + ", which no ONNX ModelProto has (first bytes: " + head(file) + ")");
    }

    private static String head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(8);
            StringBuilder s = new StringBuilder();
            for (byte x : b) {
                s.append(String.format("%02x ", x & 0xff));
            }
            return s.toString().trim();
        } catch (IOException e) {
            return "unreadable";
        }
    }

    /** A stream that counts its position and reports a field that runs past the end as truncation. */
    private static final class Reader implements AutoCloseable {
        private final InputStream in;
        private final long size;
        private final Path file;
        long pos;

        Reader(InputStream in, long size, Path file) {
            this.in = in;
            this.size = size;
            this.file = file;
        }

        long varint(String what) throws IOException {
            long start = pos;
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = in.read();
                if (b < 0) {
                    throw truncated("the file ends inside " + what + " at byte " + start);
                }
                pos++;
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("ONNX file: " + file + " is not an ONNX model: " + what + " at byte "
                    + start + " is a varint longer than 10 bytes");
        }

        void skip(long n, int field, long at) throws IOException {
            if (n < 0 || n > size - pos) {
                throw truncated("the " + name(field) + " (ModelProto field " + field + ") at byte " + at + " declares "
                        + Long.toUnsignedString(n) + " bytes but only " + (size - pos) + " follow");
            }
            try {
                in.skipNBytes(n);
            } catch (EOFException e) {
                throw truncated("the file ended inside the " + name(field) + " (field " + field + ")");
            }
            pos += n;
        }

        private IllegalArgumentException truncated(String what) {
            return new IllegalArgumentException("ONNX file: " + file + " (" + size + " bytes) is truncated or not an "
                    + "ONNX model: " + what + "; expected a complete ModelProto");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
