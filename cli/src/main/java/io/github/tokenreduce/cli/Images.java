package io.github.tokenreduce.cli;

import io.github.tokenreduce.djl.image.ImageDecoder;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Image files in folders: listing (sorted, by extension) and decoding with a clear error. */
final class Images {

    private Images() {}

    /** The image files directly in {@code dir}, sorted by name. */
    static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("images: " + dir + " is not a folder");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(Images::isImage).sorted().toList();
        }
    }

    /** The sub-folders of {@code dir} (one per class), sorted by name. */
    static List<Path> classes(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("images: " + dir + " is not a folder of class sub-folders");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> out = s.filter(Files::isDirectory).sorted().toList();
            if (out.isEmpty()) {
                throw new IllegalArgumentException("images: " + dir + " holds no class sub-folders");
            }
            return out;
        }
    }

    static BufferedImage read(Path file) throws IOException {
        return ImageDecoder.read(file);
    }

    /** Why {@code file} could not be read ({@link IOException}) or decoded (any other exception), in one line. */
    static String whyUnreadable(Path file, Exception e) {
        if (e instanceof IOException) {
            String m = e.getMessage();
            return "image " + file + " cannot be read: " + e.getClass().getSimpleName()
                    + (m == null || m.equals(file.toString()) ? "" : " " + m);
        }
        if (e instanceof IllegalArgumentException && e.getMessage() != null) {
            return e.getMessage(); // the decoder's, naming the file
        }
        return "image " + file + " cannot be decoded: " + e;
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png") || n.endsWith(".bmp") || n.endsWith(".gif");
    }
}
