package io.github.tokenreduce.djl.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.djl.blip.RandomBlipWeights;
import io.github.tokenreduce.djl.text.TextBatch;

import java.util.Map;
import java.util.Random;

/**
 * A small random BLIP retrieval model in Hugging Face naming ({@link RandomBlipWeights}): ViT width 64
 * (2 heads, 2 blocks, patch 16, 96 px: 37 tokens) and a BERT of width 64 (2 heads, 3 layers with
 * cross-attention), vocabulary 100, ITC width 32; its config and random texts.
 */
public final class RandomBlip {

    public static final int WIDTH = 64;
    public static final int VISION_LAYERS = 2;
    public static final int TEXT_LAYERS = 3;
    public static final int IMAGE = 96;
    public static final int TOKENS = 37;
    public static final int VOCAB = 100;

    /** The geometry: 37 image tokens, MLP width 128, vocabulary 100, 40 text positions, ITC width 32. */
    public static final RandomBlipWeights.Geometry GEOMETRY = new RandomBlipWeights.Geometry(WIDTH, VISION_LAYERS,
            TEXT_LAYERS, 2 * WIDTH, IMAGE, VOCAB, 40, 32);

    private RandomBlip() {}

    /** Every parameter random ({@link RandomBlipWeights.Values#ALL_RANDOM}), drawn after seeding with {@code seed}. */
    public static Map<String, NDArray> weights(NDManager m, int seed) {
        m.getEngine().setRandomSeed(seed);
        return RandomBlipWeights.generate(m, GEOMETRY, RandomBlipWeights.Values.ALL_RANDOM);
    }

    /** {@code config.json} for these weights. */
    public static String config() {
        return "{\"vision_config\": {\"num_attention_heads\": 2, \"layer_norm_eps\": 1e-5},"
                + " \"text_config\": {\"num_attention_heads\": 2, \"layer_norm_eps\": 1e-12}}";
    }

    /** Random texts: [CLS] words [SEP], lengths 4..lengthMax, padded with 0. */
    public static TextBatch texts(long seed, int b, int padTo) {
        Random rnd = new Random(seed);
        long[][] ids = new long[b][padTo];
        long[][] mask = new long[b][padTo];
        for (int i = 0; i < b; i++) {
            int len = 4 + rnd.nextInt(padTo - 4);
            ids[i][0] = 2;
            mask[i][0] = 1;
            for (int j = 1; j < len; j++) {
                ids[i][j] = j == len - 1 ? 3 : 4 + rnd.nextInt(VOCAB - 4);
                mask[i][j] = 1;
            }
        }
        return new TextBatch(ids, mask);
    }
}
