package io.github.tokenreduce.djl.weights.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Hostile and edge-case pickles: nothing runs, nothing unbounded is allocated, every failure is named. */
class UnpicklerTest {

    private static Object load(byte[] pkl) {
        return Unpickler.load(ByteBuffer.wrap(pkl), "test.pkl", new TorchGlobals("test.pkl"), pid -> pid);
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.write(p instanceof Character c ? c : (Integer) p);
            }
        }
        return out.toByteArray();
    }

    @Test
    void plainValuesAndContainers() {
        // {'a': [1, 2.5, None, True], 'b': ('x', -3)}
        byte[] p = bytes(0x80, 2, '}', '(', 'X', 1, 0, 0, 0, "a", ']', '(', 'K', 1, 'G', 0x40, 4, 0, 0, 0, 0, 0, 0,
                'N', 0x88, 'e', 'X', 1, 0, 0, 0, "b", 'X', 1, 0, 0, 0, "x", 'J', 0xfd, 0xff, 0xff, 0xff, 0x86, 'u', '.');
        Map<?, ?> m = (Map<?, ?>) load(p);
        assertEquals(java.util.Arrays.asList(1L, 2.5, null, true), m.get("a"));
        assertEquals(List.of("x", -3L), m.get("b"));
    }

    @Test
    void everyOtherGlobalIsRefusedWhenRead() {
        for (String g : new String[] {"builtins\neval\n", "os\nsystem\n", "torch\nload\n", "__torch__\nTinyNet\n",
            "collections\ndefaultdict\n", "torch._utils\n_rebuild_qtensor\n"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> load(bytes(0x80, 2, 'c', g, ')', 'R', '.')));
            assertTrue(e.getMessage().contains("forbidden pickle global " + g.trim().replace('\n', '.')), e.getMessage());
        }
    }

    @Test
    void objectConstructionAndBadStructureAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 'c',
                "collections\nOrderedDict\n", ')', 0x81, '.'))).getMessage().contains("NEWOBJ"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 'N', ')', 'R', '.')))
                .getMessage().contains("not an allowed global"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 'h', 7, '.')))
                .getMessage().contains("memo entry 7"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 'u', '.')))
                .getMessage().contains("without a MARK"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 'N')))
                .getMessage().contains("truncated"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 0xfe, '.')))
                .getMessage().contains("unsupported pickle opcode 0xfe"));
    }

    @Test
    void lengthsBeyondTheInputAllocateNothing() {
        // BINUNICODE and LONG4 claiming ~2 GB in a 12-byte pickle
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 'X', 0xff, 0xff, 0xff,
                0x7f, "ab", '.'))).getMessage().contains("only"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 0x8b, 0xff, 0xff, 0xff,
                0x7f, '.'))).getMessage().contains("only"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> load(bytes(0x80, 2, 0x8d, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0xff, 0xff, '.'))).getMessage().contains("length"));
    }

    @Test
    void deepNestingIsBoundedNotRecursive() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        for (int i = 0; i < 200_000; i++) {
            p.write(']'); // 200k nested empty lists pushed; then appended into each other
        }
        for (int i = 0; i < 199_999; i++) {
            p.write('a');
        }
        p.write('.');
        Object o = load(p.toByteArray());
        assertTrue(o instanceof List<?>);
    }
}
