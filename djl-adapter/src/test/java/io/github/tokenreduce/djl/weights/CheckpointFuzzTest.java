package io.github.tokenreduce.djl.weights;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.testing.Shared;
import io.github.tokenreduce.djl.weights.torch.TorchCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Mutates good checkpoint files (truncations, byte flips, length and offset fields set to extreme
 * values) thousands of times: every mutant either loads or ends in a clear
 * {@link IllegalArgumentException} / {@link java.io.IOException} with a message; never another
 * exception, a JVM crash, a hang or an {@link OutOfMemoryError}.
 */
class CheckpointFuzzTest {

    private static final int MUTANTS_PER_FILE = 400;

    @TempDir
    static Path tmp;

    @Test
    void mutatedTorchCheckpointsFailCleanly() throws Exception {
        Path dir = Shared.dir().resolve("fixtures/pth");
        Tally tally = fuzz(List.of(dir.resolve("state_dict.pth"), dir.resolve("legacy.pth"), dir.resolve("pytorch_model.bin")),
                file -> {
                    try (NDManager m = NDManager.newBaseManager()) {
                        TorchCheckpoint c = TorchCheckpoint.read(file);
                        c.tensors(m, Device.cpu());
                        c.values();
                    }
                });
        assertRejectedEnough(tally);
    }

    @Test
    void mutatedSafetensorsFailCleanly() throws Exception {
        Path dir = Shared.dir().resolve("fixtures");
        Tally tally = fuzz(List.of(dir.resolve("pth/expected.safetensors"), dir.resolve("merge/crossget_text.safetensors"),
                dir.resolve("vit-tome/tiny-vit-s16/inputs.safetensors")), file -> {
                    try (NDManager m = NDManager.newBaseManager()) {
                        WeightFiles.load(file, m, Device.cpu());
                    }
                });
        assertRejectedEnough(tally);
    }

    /**
     * The mutants reached the checks: every truncation (a quarter of them) at least must be rejected, so a
     * reader that accepted everything, or a mutator that changed nothing, fails here.
     */
    private static void assertRejectedEnough(Tally t) {
        assertTrue(t.rejected() >= t.total() / 4, t + ": fewer rejected than there were truncations");
        assertTrue(t.loaded() + t.rejected() == t.total(), t.toString());
    }

    /** How the mutants ended: loaded, or rejected with a clear exception. */
    record Tally(int loaded, int rejected, int total) {}

    interface Reader {
        void read(Path file) throws Exception;
    }

    private static Tally fuzz(List<Path> goods, Reader reader) throws Exception {
        Random rnd = new Random(20261128);
        List<String> failures = new ArrayList<>();
        int[] count = {0, 0, 0}; // loaded, rejected, total
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            for (Path good : goods) {
                reader.read(good); // the control: the unmutated file loads
                byte[] original = Files.readAllBytes(good);
                for (int k = 0; k < MUTANTS_PER_FILE; k++) {
                    byte[] mutant = mutate(original, rnd, k);
                    Path f = tmp.resolve("mutant" + (k % 7) + suffix(good));
                    Files.write(f, mutant);
                    long t0 = System.nanoTime();
                    try {
                        reader.read(f);
                        count[0]++;
                    } catch (IllegalArgumentException | IOException e) {
                        count[1]++;
                        if (e.getMessage() == null || e.getMessage().isBlank()) {
                            failures.add(good.getFileName() + " #" + k + ": " + e.getClass().getName() + " without a message");
                        }
                    } catch (Throwable t) {
                        failures.add(good.getFileName() + " #" + k + ": " + t);
                    }
                    if (System.nanoTime() - t0 > 5_000_000_000L) {
                        failures.add(good.getFileName() + " #" + k + ": took over 5 s");
                    }
                    count[2]++;
                }
            }
        });
        if (!failures.isEmpty()) {
            fail(failures.size() + " mutants failed badly, e.g. " + failures.subList(0, Math.min(5, failures.size())));
        }
        return new Tally(count[0], count[1], count[2]);
    }

    private static String suffix(Path p) {
        String n = p.getFileName().toString();
        return n.substring(n.lastIndexOf('.'));
    }

    /** Truncation, byte flips, or a 1/2/4/8-byte little-endian field set to an extreme value. */
    private static byte[] mutate(byte[] in, Random rnd, int k) {
        byte[] b = in.clone();
        switch (k % 4) {
            case 0 -> {
                return java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            case 1 -> {
                int flips = 1 + rnd.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 2 -> {
                // a length or offset field near a structure: the first 16 bytes, zip signatures, or anywhere
                int at = fieldPosition(b, rnd);
                long[] extremes = {0, 1, -1, 0x7fffffffL, 0xffffffffL, b.length, b.length + 1L, Long.MAX_VALUE,
                    Long.MIN_VALUE, 1L << 40};
                int width = new int[] {1, 2, 4, 8}[rnd.nextInt(4)];
                ByteBuffer v = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(extremes[rnd.nextInt(extremes.length)]);
                for (int i = 0; i < width && at + i < b.length; i++) {
                    b[at + i] = v.get(i);
                }
            }
            default -> {
                int at = rnd.nextInt(b.length);
                int len = Math.min(1 + rnd.nextInt(16), b.length - at);
                for (int i = 0; i < len; i++) {
                    b[at + i] = (byte) rnd.nextInt(256);
                }
            }
        }
        return b;
    }

    private static int fieldPosition(byte[] b, Random rnd) {
        List<Integer> anchors = new ArrayList<>(List.of(0, 8));
        for (int i = 0; i + 3 < b.length; i++) {
            if (b[i] == 'P' && b[i + 1] == 'K') {
                anchors.add(i);
            }
        }
        if (rnd.nextBoolean()) {
            return rnd.nextInt(b.length);
        }
        int base = anchors.get(rnd.nextInt(anchors.size()));
        return Math.min(b.length - 1, base + rnd.nextInt(46));
    }
}
