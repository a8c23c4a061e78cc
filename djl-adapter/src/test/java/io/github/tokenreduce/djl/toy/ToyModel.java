package io.github.tokenreduce.djl.toy;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** The toy family's model: see {@link ToyFamily}. */
public final class ToyModel implements AutoCloseable {

    private final float[][] rows;

    ToyModel(NDArray embedding) {
        int v = (int) embedding.getShape().get(0);
        int d = (int) embedding.getShape().get(1);
        float[] flat = embedding.toFloatArray();
        rows = new float[v][d];
        for (int i = 0; i < v; i++) {
            System.arraycopy(flat, i * d, rows[i], 0, d);
        }
    }

    float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][rows[0].length];
        for (int t = 0; t < texts.size(); t++) {
            String s = texts.get(t);
            double norm = 0;
            for (int j = 0; j < out[t].length; j++) {
                for (int c = 0; c < s.length(); c++) {
                    out[t][j] += rows[s.charAt(c) % rows.length][j] / s.length();
                }
                norm += out[t][j] * out[t][j];
            }
            for (int j = 0; j < out[t].length; j++) {
                out[t][j] /= (float) Math.sqrt(norm);
            }
        }
        return out;
    }

    @Override
    public void close() {}
}
