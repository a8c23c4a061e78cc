package io.github.tokenreduce.djl.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;

/** Untrusted image bytes: decoded when sound, a named error when not, and no allocation for a bomb. */
class ImageDecoderTest {

    private static byte[] png(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 2, 0x123456);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static String error(byte[] bytes) {
        return assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.read(new ByteArrayInputStream(bytes), "x.png")).getMessage();
    }

    @Test
    void aSoundImageDecodes() throws IOException {
        BufferedImage img = ImageDecoder.read(new ByteArrayInputStream(png(5, 4)), "x.png");
        assertEquals(5, img.getWidth());
        assertEquals(4, img.getHeight());
        assertEquals(0x123456, img.getRGB(1, 2) & 0xffffff);
    }

    @Test
    void aHeaderDeclaringAHugeImageIsRefusedBeforeDecoding() throws IOException {
        byte[] bomb = png(8, 8);
        // IHDR data starts at byte 16: width, height (big-endian); its CRC covers type and data (bytes 12..28)
        ByteBuffer.wrap(bomb).putInt(16, 100_000).putInt(20, 100_000);
        CRC32 crc = new CRC32();
        crc.update(bomb, 12, 17);
        ByteBuffer.wrap(bomb).putInt(29, (int) crc.getValue());
        String msg = error(bomb);
        assertTrue(msg.contains("declares 100000 × 100000 pixels; at most 67108864"), msg);
    }

    @Test
    void garbageAndTruncatedFilesAreNamed() throws IOException {
        assertTrue(error("hello, not an image".getBytes()).contains("x.png cannot be decoded: not a PNG, JPEG"));
        byte[] png = png(64, 64);
        String truncated = error(Arrays.copyOf(png, 40));
        assertTrue(truncated.contains("x.png cannot be decoded"), truncated);
    }
}
