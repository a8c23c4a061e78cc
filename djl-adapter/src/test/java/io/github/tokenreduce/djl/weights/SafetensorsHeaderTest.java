package io.github.tokenreduce.djl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Hand-written safetensors headers: sizes that overflow, names given twice, and what else a header may not do. */
class SafetensorsHeaderTest {

    @TempDir
    Path tmp;

    /** A file with {@code header} (padded with spaces, as writers do) and the floats 1, 2, 3, 4 as data. */
    private Path file(String header) throws IOException {
        byte[] h = (header + "   ").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (int i = 1; i <= 4; i++) {
            b.putFloat(i);
        }
        Path f = tmp.resolve("t" + Integer.toHexString(header.hashCode()) + ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static IllegalArgumentException rejected(Path f) {
        try (NDManager m = NDManager.newBaseManager()) {
            return assertThrows(IllegalArgumentException.class, () -> Safetensors.load(f, m, Device.cpu()));
        }
    }

    @Test
    void aWellFormedHeaderLoads() throws IOException {
        // the control for the cases below: the same layout, nothing wrong with it
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = Safetensors.load(file("{\"__metadata__\":{\"format\":\"pt\"},"
                    + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}"), m, Device.cpu());
            assertEquals(new Shape(2, 2), t.get("a").getShape());
            assertArrayEquals(new float[] {1, 2, 3, 4}, t.get("a").toFloatArray());
        }
    }

    @Test
    void aShapeWhoseSizeOverflowsIsNamed() throws IOException {
        // 2^32 · 2^32 · 16 wraps to 0 in 64 bits: "needs 0 bytes", which offsets [0, 0] satisfied
        IllegalArgumentException e = rejected(file(
                "{\"huge\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,0]}}"));
        assertTrue(e.getMessage().contains("tensor 'huge' F32 (4294967296, 4294967296, 16) has a size that overflows 64 bits"),
                e.getMessage());
        assertTrue(e.getMessage().contains("fit the data section of 16 bytes"), e.getMessage());
        // elements fit, bytes do not: 2^62 · 4
        e = rejected(file("{\"b\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}"));
        assertTrue(e.getMessage().contains("tensor 'b' F32 (4611686018427387904) has a size that overflows"),
                e.getMessage());
        // a zero dimension does not hide an overflow among the others
        e = rejected(file("{\"z\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,0],\"data_offsets\":[0,0]}}"));
        assertTrue(e.getMessage().contains("tensor 'z'") && e.getMessage().contains("overflows"), e.getMessage());
    }

    @Test
    void aTensorNamedTwiceIsAnError() throws IOException {
        String entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        IllegalArgumentException e = rejected(file("{\"a\":" + entry + ",\"a\":" + entry.replace("0,8", "8,16") + "}"));
        assertTrue(e.getMessage().contains("header names tensor 'a' twice"), e.getMessage());
        e = rejected(file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}"));
        assertTrue(e.getMessage().contains("header names 'dtype' in 'a' twice"), e.getMessage());
    }

    @Test
    void otherMalformedHeadersAreNamed() throws IOException {
        String entry = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        assertRejected("{\"a\":" + entry + "} {\"b\":" + entry + "}", "content after its JSON object");
        assertRejected("[1, 2]", "not a JSON object");
        assertRejected("{\"__metadata__\":" + "[".repeat(500) + "]".repeat(500) + "}", "nests deeper than 64");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", "malformed header entry");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}",
                "malformed header entry");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", "malformed header entry");
        assertRejected("{\"a\":", "not valid JSON");
    }

    private void assertRejected(String header, String message) throws IOException {
        IllegalArgumentException e = rejected(file(header));
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
    }
}
