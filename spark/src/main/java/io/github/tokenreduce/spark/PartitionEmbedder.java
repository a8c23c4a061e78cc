package io.github.tokenreduce.spark;

import io.github.tokenreduce.djl.image.ImageDecoder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Embeds one partition: rows in windows of {@link EmbedderConfig#window()}, each input decoded (image bytes or a
 * path read through Hadoop's file systems, or a text), the window embedded by this executor's shared
 * model, and each row written back with its embedding and error columns. A row that cannot be
 * decoded or embedded gets a null embedding and a message; the job goes on.
 */
final class PartitionEmbedder implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    /** Larger files are not read (a bad row, not an out-of-memory executor). */
    static final long MAX_IMAGE_BYTES = 64L << 20;

    private final EmbedderConfig config;
    private final int inputIndex;

    PartitionEmbedder(EmbedderConfig config, int inputIndex) {
        this.config = config;
        this.inputIndex = inputIndex;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private final List<Row> out = new ArrayList<>();
            private int next;

            @Override
            public boolean hasNext() {
                if (next < out.size()) {
                    return true;
                }
                out.clear();
                next = 0;
                List<Row> window = new ArrayList<>(config.window());
                while (rows.hasNext() && window.size() < config.window()) {
                    window.add(rows.next());
                }
                if (!window.isEmpty()) {
                    out.addAll(embed(window));
                }
                return !out.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return out.get(next++);
            }
        };
    }

    private List<Row> embed(List<Row> window) {
        float[][] emb = new float[window.size()][];
        String[] err = new String[window.size()];
        List<Object> inputs = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < window.size(); i++) {
            try {
                inputs.add(decode(window.get(i).get(inputIndex)));
                at.add(i);
            } catch (IllegalArgumentException | IOException e) {
                err[i] = e.getMessage();
            }
        }
        if (!inputs.isEmpty()) {
            RowEmbedder model = ExecutorModels.get(config);
            try {
                float[][] v = model.embed(inputs);
                for (int k = 0; k < at.size(); k++) {
                    emb[at.get(k)] = v[k];
                }
            } catch (RuntimeException batchFailure) {
                for (int k = 0; k < at.size(); k++) { // find the rows at fault, one by one
                    try {
                        emb[at.get(k)] = model.embed(List.of(inputs.get(k)))[0];
                    } catch (RuntimeException e) {
                        err[at.get(k)] = "embedding failed: " + e.getMessage();
                    }
                }
            }
        }
        List<Row> result = new ArrayList<>(window.size());
        for (int i = 0; i < window.size(); i++) {
            Row r = window.get(i);
            Object[] values = new Object[r.length() + 2];
            for (int j = 0; j < r.length(); j++) {
                values[j] = r.get(j);
            }
            values[r.length()] = emb[i] == null ? null : boxed(emb[i]);
            values[r.length() + 1] = err[i];
            result.add(RowFactory.create(values));
        }
        return result;
    }

    private Object decode(Object value) throws IOException {
        if (value == null) {
            throw new IllegalArgumentException("input is null");
        }
        if (!config.images()) {
            String text = value.toString();
            if (text.isBlank()) {
                throw new IllegalArgumentException("input text is empty");
            }
            return text;
        }
        if (value instanceof byte[] bytes) {
            return image(new ByteArrayInputStream(bytes), bytes.length + " bytes");
        }
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(value.toString());
        FileSystem fs = p.getFileSystem(new Configuration());
        if (fs.getFileStatus(p).getLen() > MAX_IMAGE_BYTES) {
            throw new IllegalArgumentException("input image " + p + " is larger than " + (MAX_IMAGE_BYTES >> 20) + " MiB");
        }
        try (FSDataInputStream in = fs.open(p)) {
            return image(in, p.toString());
        }
    }

    private static BufferedImage image(InputStream in, String what) throws IOException {
        return ImageDecoder.read(in, "(" + what + ")");
    }

    private static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
