package io.github.tokenreduce.cli;

import io.github.tokenreduce.cli.report.Npy;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The folder {@code embed} writes as it goes: {@code embeddings.npy} ({@link Npy}, one row per
 * input), {@code ids.txt} (the id of each row) and {@code errors.txt} (each input skipped in this
 * run: its id, a tab, the reason). A batch's ids are flushed before its rows and the rows before
 * their count, so a killed run leaves at least as many ids as rows; resuming keeps the rows that
 * have an id and drops the rest.
 */
final class EmbedOutput implements Closeable {

    static final String EMBEDDINGS = "embeddings.npy";
    static final String IDS = "ids.txt";
    static final String ERRORS = "errors.txt";

    private final Path dir;
    private final Npy npy;
    private final Writer ids;
    private final Writer errors;
    private final Set<String> done;
    private final long resumedRows;
    private int skipped;

    private EmbedOutput(Path dir, Npy npy, Writer ids, Writer errors, Set<String> done) {
        this.dir = dir;
        this.npy = npy;
        this.ids = ids;
        this.errors = errors;
        this.done = done;
        this.resumedRows = npy.rows();
    }

    /**
     * Opens {@code dir}: empty, or with {@code resume} the rows and ids an earlier run left there
     * (none if it left no {@code embeddings.npy}). {@code errors.txt} starts empty either way.
     */
    static EmbedOutput open(Path dir, boolean resume) throws IOException {
        Files.createDirectories(dir);
        Path npyFile = dir.resolve(EMBEDDINGS);
        Path idsFile = dir.resolve(IDS);
        Npy npy;
        Set<String> done = new HashSet<>();
        if (resume && Files.exists(npyFile)) {
            npy = Npy.resume(npyFile);
            try {
                List<String> kept = keepIds(idsFile, npy.rows());
                if (kept.size() < npy.rows()) {
                    npy.truncate(kept.size()); // rows without an id cannot be told apart: embedded again
                }
                done.addAll(kept);
            } catch (IOException | RuntimeException e) {
                npy.close();
                throw e;
            }
        } else {
            npy = Npy.create(npyFile);
            Files.deleteIfExists(idsFile);
        }
        Writer ids = writer(idsFile, StandardOpenOption.APPEND);
        Writer errors = writer(dir.resolve(ERRORS), StandardOpenOption.TRUNCATE_EXISTING);
        return new EmbedOutput(dir, npy, ids, errors, done);
    }

    /**
     * The first {@code rows} complete lines of {@code file} (all, if fewer), cutting the file after
     * them: lines past the rows and a last line without its line break are what a killed run left.
     */
    private static List<String> keepIds(Path file, long rows) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        byte[] bytes = Files.readAllBytes(file);
        int start = 0;
        for (int i = 0; i < bytes.length && out.size() < rows; i++) {
            if (bytes[i] == '\n') {
                out.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(start);
        }
        return out;
    }

    private static Writer writer(Path file, StandardOpenOption mode) throws IOException {
        return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, mode), StandardCharsets.UTF_8));
    }

    /** Whether an earlier run (resumed) already embedded the input {@code id}. */
    boolean done(String id) {
        return done.contains(id);
    }

    /** Records one embedded row per id, in order: the ids first, then the rows. */
    void add(List<String> batchIds, float[][] rows) throws IOException {
        if (batchIds.size() != rows.length) {
            throw new IllegalArgumentException("rows: " + rows.length + " rows for " + batchIds.size() + " ids");
        }
        if (rows.length == 0) {
            return;
        }
        if (npy.rows() > 0 && rows[0].length != npy.columns()) {
            throw new IllegalArgumentException("--resume: " + dir.resolve(EMBEDDINGS) + " holds rows of " + npy.columns()
                    + " values but this model gives " + rows[0].length + "; resume with the model of the run that "
                    + "wrote it, or write to another --out");
        }
        for (String id : batchIds) {
            ids.write(id);
            ids.write('\n');
        }
        ids.flush();
        npy.append(rows);
    }

    /** Records an input that could not be embedded (line breaks in its id or the reason become spaces). */
    void skip(String id, String reason) throws IOException {
        errors.write(oneLine(id) + "\t" + oneLine(reason) + "\n");
        errors.flush();
        skipped++;
    }

    /** Rows in {@code embeddings.npy}, this run's and those resumed. */
    long rows() {
        return npy.rows();
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    /** What the folder holds now. */
    record Summary(long rows, int columns, long resumed, int skipped) {}

    /** Rows and their width, of them those an earlier run left (resumed), and inputs skipped in this run. */
    Summary summary() {
        return new Summary(npy.rows(), npy.columns(), resumedRows, skipped);
    }

    @Override
    public void close() throws IOException {
        try (npy; ids; errors) {
            ids.flush();
        }
    }
}
