package io.github.tokenreduce.djl.image;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Decodes untrusted image files (PNG, JPEG, GIF, BMP) with {@code javax.imageio}, bounded: the
 * header's dimensions are checked before any pixel is allocated, so a small file that declares a
 * huge image (a decompression bomb) is an error, not an out-of-memory JVM.
 */
public final class ImageDecoder {

    /** The most pixels decoded: 64 megapixels (8192 × 8192). */
    public static final long MAX_PIXELS = 1L << 26;

    private ImageDecoder() {}

    /** The image in {@code file}. */
    public static BufferedImage read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * The image in {@code in}.
     *
     * @param what names the source in error messages
     * @throws IllegalArgumentException when the data is no image this JVM decodes, is corrupt, or
     *     declares more than {@link #MAX_PIXELS} pixels
     */
    public static BufferedImage read(InputStream in, String what) throws IOException {
        try (ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            Iterator<ImageReader> readers = iis == null ? null : ImageIO.getImageReaders(iis);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException("image " + what + " cannot be decoded: not a PNG, JPEG, GIF or "
                        + "BMP image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
                    throw new IllegalArgumentException("image " + what + " declares " + w + " × " + h
                            + " pixels; at most " + MAX_PIXELS + " pixels are decoded");
                }
                return reader.read(0);
            } catch (IIOException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("image " + what + " cannot be decoded: " + e.getMessage(), e);
            } finally {
                reader.dispose();
            }
        }
    }
}
