package io.github.tokenreduce.cli.report;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A generated part of a Markdown page, between {@code <!-- BEGIN generated: NAME -->} and
 * {@code <!-- END generated: NAME -->}: a command replaces what lies between the markers and
 * leaves the rest of the page alone; a section not yet in the page is appended.
 */
public final class GeneratedSection {

    private GeneratedSection() {}

    /** {@code page} with section {@code name} holding {@code content}. */
    public static String replace(String page, String name, String content) {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("section: name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        String begin = "<!-- BEGIN generated: " + name + " -->";
        String end = "<!-- END generated: " + name + " -->";
        String block = begin + "\n" + content.strip() + "\n" + end;
        int b = page.indexOf(begin);
        int e = page.indexOf(end);
        if (b < 0 && e < 0) {
            return page + (page.isEmpty() || page.endsWith("\n") ? "" : "\n") + "\n" + block + "\n";
        }
        if (b < 0 || e < b || page.indexOf(begin, b + 1) >= 0) {
            throw new IllegalArgumentException("section '" + name + "': expected one BEGIN marker followed by one END"
                    + " marker, found BEGIN at " + b + " and END at " + e);
        }
        return page.substring(0, b) + block + page.substring(e + end.length());
    }

    /**
     * Replaces section {@code name} of the file {@code page} (created when missing), holding a lock
     * on {@code page + ".lock"} so that runs writing different sections of one page do not race.
     */
    public static void write(Path page, String name, String content) throws IOException {
        Path abs = page.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path lockFile = abs.resolveSibling(abs.getFileName() + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = ch.lock()) {
            String old = Files.exists(abs) ? Files.readString(abs, StandardCharsets.UTF_8) : "";
            Files.writeString(abs, replace(old, name, content), StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(lockFile);
        }
    }
}
