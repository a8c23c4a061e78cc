package io.github.tokenreduce.djl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.torch.TorchCheckpoint;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * {@code shared/fixtures/pth}: every file {@code expected.json} lists is loaded (to exactly
 * {@code expected.safetensors}: names, dtypes, shapes and bits) or rejected with the error it asks for.
 */
class TorchCheckpointFixtureTest {

    private static final Path DIR = Shared.dir().resolve("fixtures/pth");

    @TestFactory
    List<DynamicTest> everyFileLoadsOrIsRejectedAsTheFixtureSays() throws Exception {
        JsonObject expected;
        try (Reader r = Files.newBufferedReader(DIR.resolve("expected.json"))) {
            expected = JsonUtils.GSON.fromJson(r, JsonObject.class);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, JsonElement> f : expected.getAsJsonObject("files").entrySet()) {
            JsonObject spec = f.getValue().getAsJsonObject();
            String action = spec.get("action").getAsString();
            tests.add(DynamicTest.dynamicTest(f.getKey() + " " + action, () -> {
                if (action.equals("load")) {
                    load(f.getKey(), expected);
                } else {
                    reject(f.getKey(), spec);
                }
            }));
        }
        assertTrue(tests.size() >= 6);
        return tests;
    }

    private static void load(String file, JsonObject expected) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchCheckpoint ckpt = TorchCheckpoint.read(DIR.resolve(file));
            Map<String, NDArray> got = ckpt.tensors(m, Device.cpu());
            Map<String, NDArray> want = Safetensors.load(DIR.resolve("expected.safetensors"), m, Device.cpu());
            assertEquals(want.keySet(), got.keySet(), file + ": tensor names");
            JsonObject meta = expected.getAsJsonObject("tensors");
            for (Map.Entry<String, NDArray> e : want.entrySet()) {
                NDArray g = got.get(e.getKey());
                String dtype = meta.getAsJsonObject(e.getKey()).get("expected_dtype").getAsString();
                assertEquals(dtype.equals("I64") ? DataType.INT64 : DataType.FLOAT32, g.getDataType(), e.getKey());
                assertEquals(e.getValue().getShape(), g.getShape(), e.getKey() + " shape");
                if (g.getDataType() == DataType.INT64) {
                    assertArrayEquals(e.getValue().toLongArray(), g.toLongArray(), e.getKey());
                } else {
                    float[] a = e.getValue().toFloatArray();
                    float[] b = g.toFloatArray();
                    for (int i = 0; i < a.length; i++) {
                        assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), e.getKey() + "[" + i + "]");
                    }
                }
                JsonElement same = meta.getAsJsonObject(e.getKey()).get("same_object_as");
                if (same != null) {
                    assertSame(got.get(same.getAsString()), g, "tied weights share one array");
                }
            }
            JsonObject values = expected.getAsJsonObject("non_tensors").getAsJsonObject(file);
            if (values != null) {
                Map<String, Object> v = ckpt.values();
                assertEquals(3L, v.get("epoch"));
                assertEquals("blip_tiny", v.get("config.model.arch"));
                assertEquals(List.of(224L, 224L), v.get("config.model.image_size"));
                assertEquals(1L << 40, v.get("config.run.seed"));
                assertEquals(1e-4, v.get("config.run.lr"));
                assertEquals(-1L, v.get("config.run.warmup"));
                assertEquals("café", v.get("config.run.tag"));
                assertEquals(List.of(0L, 1L), v.get("config.run.devices"));
                assertEquals(Boolean.FALSE, v.get("config.model.freeze_vit"));
                assertTrue(v.containsKey("config.model.pretrained") && v.get("config.model.pretrained") == null);
            }
        }
    }

    private static void reject(String file, JsonObject spec) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchCheckpoint.read(DIR.resolve(file)));
        String msg = e.getMessage();
        if (spec.has("error_mentions")) {
            for (JsonElement word : spec.getAsJsonArray("error_mentions")) {
                assertTrue(msg.contains(word.getAsString()), msg);
            }
        }
        if (spec.has("error_mentions_any")) {
            boolean any = false;
            for (JsonElement word : spec.getAsJsonArray("error_mentions_any")) {
                any |= msg.toLowerCase(Locale.ROOT).contains(word.getAsString().toLowerCase(Locale.ROOT));
            }
            assertTrue(any, msg);
        }
        if (spec.has("must_not_create")) {
            // the fixture's own path may exist already; its command aimed at a path that cannot shows whether it ran
            Path target = fresh();
            Path aimed = aimedAt(DIR.resolve(file), spec.get("must_not_create").getAsString(), target);
            assertThrows(IllegalArgumentException.class, () -> TorchCheckpoint.read(aimed));
            assertFalse(Files.exists(target), "nothing may run");
        }
    }

    @Test
    void maliciousFileNamesTheGlobalBeforeAnythingRuns() throws Exception {
        Path target = fresh();
        Path aimed = aimedAt(DIR.resolve("malicious.pth"), "/tmp/pwned", target);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchCheckpoint.read(aimed));
        assertTrue(e.getMessage().contains("forbidden pickle global os.system"), e.getMessage());
        assertFalse(Files.exists(target), "the command ran: " + target + " exists");
    }

    /** A path in a new temporary folder, which does not exist. */
    private static Path fresh() throws IOException {
        Path dir = Files.createTempDirectory("tokenreduce-pwn");
        dir.toFile().deleteOnExit();
        return dir.resolve("pwned-" + UUID.randomUUID());
    }

    /**
     * A copy of the zip checkpoint {@code source} whose pickled command string has {@code path}
     * replaced by {@code target} (the BINUNICODE opcode's length rewritten to match).
     */
    private static Path aimedAt(Path source, String path, Path target) throws IOException {
        Path out = target.resolveSibling("aimed.pth");
        try (ZipFile in = new ZipFile(source.toFile());
                ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            boolean aimed = false;
            for (ZipEntry e : Collections.list(in.entries())) {
                byte[] b;
                try (InputStream s = in.getInputStream(e)) {
                    b = s.readAllBytes();
                }
                if (e.getName().endsWith("data.pkl")) {
                    b = retarget(b, path, target.toString());
                    aimed = true;
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(b);
                zip.closeEntry();
            }
            assertTrue(aimed, source + " has no data.pkl");
        }
        return out;
    }

    private static byte[] retarget(byte[] pkl, String path, String target) {
        String text = new String(pkl, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(path);
        assertTrue(at > 0, "the pickle does not name " + path);
        for (int j = at - 5; j >= Math.max(0, at - 1000); j--) {
            ByteBuffer len = ByteBuffer.wrap(pkl, j + 1, 4).order(ByteOrder.LITTLE_ENDIAN);
            int n = len.getInt();
            if (pkl[j] == 'X' && n >= 0 && j + 5 + n >= at + path.length() && j + 5 + n <= pkl.length) {
                String old = new String(pkl, j + 5, n, StandardCharsets.UTF_8);
                byte[] now = old.replace(path, target).getBytes(StandardCharsets.UTF_8);
                ByteBuffer b = ByteBuffer.allocate(pkl.length - n + now.length).order(ByteOrder.LITTLE_ENDIAN);
                b.put(pkl, 0, j + 1).putInt(now.length).put(now).put(pkl, j + 5 + n, pkl.length - j - 5 - n);
                assertTrue(new String(b.array(), StandardCharsets.ISO_8859_1).contains(target));
                return b.array();
            }
        }
        throw new AssertionError("no BINUNICODE string holds " + path);
    }
}
