package io.github.tokenreduce.cli.text;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.ChunkBatches;
import io.github.tokenreduce.djl.bert.TextChunk;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderConfig;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The same ONNX file run by ONNX Runtime Java, the runtime users of these models have today: the
 * peer for speed and the oracle for equivalence. It takes the chunks and batches of a
 * {@link SentenceEncoder} (same tokens, same length buckets) and pools as it does.
 */
public final class OrtSentenceEncoder implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final SentenceEncoderConfig.Pooling pooling;
    private final boolean typeIds;

    private OrtSentenceEncoder(OrtSession session, SentenceEncoderConfig.Pooling pooling) throws OrtException {
        this.session = session;
        this.pooling = pooling;
        this.typeIds = session.getInputNames().contains("token_type_ids");
    }

    /**
     * Opens {@code model}'s ONNX file from the class path.
     *
     * @param threads intra-op threads (0: ONNX Runtime's default, all cores)
     */
    public static OrtSentenceEncoder open(BundledEncoder model, int threads) throws IOException, OrtException {
        byte[] bytes;
        try (InputStream in = model.open(model.onnxResource())) {
            bytes = in.readAllBytes();
        }
        return new OrtSentenceEncoder(session(bytes, threads), model.pooling());
    }

    /**
     * An ONNX Runtime session on {@code onnx} as the bench runs every peer: all graph optimisations,
     * {@code threads} intra-op threads (0: ONNX Runtime's default, all cores).
     */
    public static OrtSession session(byte[] onnx, int threads) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) { // the session keeps its own copy
            if (threads > 0) {
                o.setIntraOpNumThreads(threads);
            }
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return OrtEnvironment.getEnvironment().createSession(onnx, o);
        }
    }

    /** The last hidden states [B][L][C] of a padded batch. */
    public float[][][] hidden(TextBatch batch) throws OrtException {
        int b = batch.batch();
        int l = batch.length();
        long[] shape = {b, l};
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(TextBatch.flatten(batch.ids())), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(TextBatch.flatten(batch.mask())), shape);
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(TextBatch.flatten(batch.types())), shape)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", ids);
            in.put("attention_mask", mask);
            if (typeIds) {
                in.put("token_type_ids", types);
            }
            try (OrtSession.Result r = session.run(in)) {
                return (float[][][]) r.get(0).getValue();
            }
        }
    }

    /** Pooled vectors [B][C] of a padded batch, as {@link SentenceEncoder} pools. */
    public float[][] pooled(TextBatch batch) throws OrtException {
        float[][][] h = hidden(batch);
        float[][] out = new float[h.length][];
        for (int i = 0; i < h.length; i++) {
            if (pooling == SentenceEncoderConfig.Pooling.CLS) {
                out[i] = h[i][0].clone();
                continue;
            }
            int c = h[i][0].length;
            float[] sum = new float[c];
            int n = 0;
            for (int t = 0; t < h[i].length; t++) {
                if (batch.mask()[i][t] != 0) {
                    for (int j = 0; j < c; j++) {
                        sum[j] += h[i][t][j];
                    }
                    n++;
                }
            }
            for (int j = 0; j < c; j++) {
                sum[j] /= n;
            }
            out[i] = sum;
        }
        return out;
    }

    /** Pooled vectors [chunks][C] in the same length buckets of {@code batchSize} as the DJL encoder. */
    public float[][] pool(List<TextChunk> chunks, int batchSize) throws OrtException {
        float[][] pooled = new float[chunks.size()][];
        for (List<Integer> bucket : ChunkBatches.buckets(chunks, batchSize)) {
            List<long[]> rows = new ArrayList<>();
            for (int k : bucket) {
                rows.add(chunks.get(k).ids());
            }
            float[][] p = pooled(TextBatch.padded(rows));
            for (int k = 0; k < bucket.size(); k++) {
                pooled[bucket.get(k)] = p[k];
            }
        }
        return pooled;
    }


    @Override
    public void close() throws OrtException {
        session.close();
    }
}
