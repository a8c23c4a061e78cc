package io.github.tokenreduce.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.Reduction;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;

import io.github.tokenreduce.djl.blip.BlipModel;
import io.github.tokenreduce.djl.text.TextBatch;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.nn.Activation;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;

/**
 * The main job until the end-to-end harness lands. Part 1 runs every method through the 12
 * reduction sites of a ViT-B/16-shaped tower (197 tokens + extras, width 768) on random
 * activations: token count after each layer and the operator's mean cost per call. Part 2 runs a
 * ViT-B/16-shaped CLIP vision tower (random weights, so throughput only, no accuracy) without and
 * with each method, interleaved round by round, and reports each throughput ratio to the baseline.
 * Part 3 does the same for BLIP image-text matching (ViT-B/16 at 384 px + 12-layer BERT fusion
 * encoder, batch 2), with methods at the vision, text and cross-attention sites.
 *
 * <p>Arguments: {@code [batch] [repeats]} (default 8 and 5).
 */
public final class Demo {

    private static final int LAYERS = 12;
    private static final int WIDTH = 768;

    private Demo() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf(Locale.ROOT, "tokenreduce demo: ViT-B/16 shapes, batch %d, %d layers, width %d%n",
                batch, LAYERS, WIDTH);
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(42);
            System.out.println("engine " + m.getEngine().getEngineName() + " " + m.getEngine().getVersion()
                    + " on " + m.getDevice());
            run(m, "ToMe r=16", ToMeReducer.builder().r(16).build(), batch, 197, false, repeats);
            run(m, "CrossGET r=16", CrossGetReducer.builder().r(16).build(), batch, 198, false, repeats);
            run(m, "MADTP T=2", MadtpReducer.builder().temperature(2f).build(), batch, 197, false, repeats);
            run(m, "PuMer ViLT", PumerReducer.builder().build(), batch, 40 + 197, true, repeats);
            endToEnd(m, batch, repeats);
            blip(m, Math.min(repeats, 3));
        }
    }

    private static void blip(NDManager m, int repeats) {
        BlipModel base = BlipModel.of(RandomBlipWeights.base(m), m);
        Map<String, BlipModel> models = new LinkedHashMap<>();
        models.put("baseline", base);
        models.put("ToMe r=40", base.withReduction(Tower.VISION, TowerReduction.of(ToMeReducer.builder().r(40).build())));
        models.put("CrossGET r=40", base.withReduction(Tower.VISION,
                TowerReduction.of(CrossGetReducer.builder().r(40).build())));
        models.put("MADTP T=2", base.withReduction(Tower.VISION,
                TowerReduction.of(MadtpReducer.builder().temperature(2f).build())));
        models.put("PuMer cross", base.withReduction(Tower.CROSS, TowerReduction.of(PumerReducer.builder()
                .layers(0, 2, 4, 6).pruneRatio(0.2).mergeRatio(0.2).build())));
        int batch = 2;
        NDArray pixels = m.randomNormal(new Shape(batch, 3, 384, 384));
        long[][] ids = new long[batch][20];
        long[][] mask = new long[batch][20];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < 20; j++) {
                ids[i][j] = j == 0 ? 101 : 1000 + 37 * j + i;
                mask[i][j] = 1;
            }
        }
        TextBatch text = new TextBatch(ids, mask);
        Map<String, Long> nanos = new LinkedHashMap<>();
        for (int round = 0; round <= repeats; round++) {
            for (Map.Entry<String, BlipModel> e : models.entrySet()) {
                long start = System.nanoTime();
                NDArray s = e.getValue().itmScores(pixels, text);
                s.toFloatArray();
                long t = System.nanoTime() - start;
                s.close();
                if (round > 0) {
                    nanos.merge(e.getKey(), t, Long::sum);
                }
            }
        }
        double baseline = nanos.get("baseline");
        System.out.printf(Locale.ROOT, "%nBLIP ITM (ViT-B/16 @384 + BERT fusion), batch %d, %d interleaved rounds:%n",
                batch, repeats);
        for (String k : models.keySet()) {
            double ms = nanos.get(k) / 1e6 / repeats;
            System.out.printf(Locale.ROOT, "%-14s %8.1f ms/batch  %7.2f pairs/s  speed-up x%.2f%n", k, ms,
                    batch * 1000 / ms, baseline / nanos.get(k));
        }
    }

    private static void endToEnd(NDManager m, int batch, int repeats) {
        ClipModel base = ClipModel.of(RandomClipWeights.vitB16(m), m, Activation.QUICK_GELU);
        Map<String, ClipModel> models = new LinkedHashMap<>();
        models.put("baseline", base);
        models.put("ToMe r=16", base.withReduction(Tower.VISION, TowerReduction.of(ToMeReducer.builder().r(16).build())));
        models.put("CrossGET r=16", base.withReduction(Tower.VISION,
                TowerReduction.of(CrossGetReducer.builder().r(16).build())));
        models.put("MADTP T=2", base.withReduction(Tower.VISION,
                TowerReduction.of(MadtpReducer.builder().temperature(2f).build())));
        NDArray pixels = m.randomNormal(new Shape(batch, 3, 224, 224));
        Map<String, Long> nanos = new LinkedHashMap<>();
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (int round = 0; round <= repeats; round++) {
            for (Map.Entry<String, ClipModel> e : models.entrySet()) {
                long start = System.nanoTime();
                ClipModel.Encoded out = e.getValue().encodeImage(pixels);
                out.embeddings().toFloatArray();
                long t = System.nanoTime() - start;
                out.embeddings().close();
                if (round > 0) { // round 0 warms up
                    nanos.merge(e.getKey(), t, Long::sum);
                }
                counts.put(e.getKey(), out.tokensPerLayer());
            }
        }
        double baseline = nanos.get("baseline");
        System.out.printf(Locale.ROOT, "%nCLIP ViT-B/16 vision tower, batch %d, %d interleaved rounds:%n", batch, repeats);
        for (String k : models.keySet()) {
            double ms = nanos.get(k) / 1e6 / repeats;
            System.out.printf(Locale.ROOT, "%-14s %8.1f ms/batch  %7.1f img/s  speed-up x%.2f  final tokens %d%n",
                    k, ms, batch * 1000 / ms, baseline / nanos.get(k), counts.get(k)[11]);
        }
    }

    private static void run(NDManager m, String label, TokenReducer reducer, int batch, int n,
            boolean multimodal, int repeats) {
        List<Integer> counts = new ArrayList<>();
        long nanos = 0;
        int calls = 0;
        for (int rep = 0; rep < repeats; rep++) {
            counts.clear();
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                TokenSet t = initial(m, batch, n, multimodal, reducer.name());
                for (int layer = 0; layer < LAYERS; layer++) {
                    SiteInputs in = inputs(m, t, multimodal);
                    long start = System.nanoTime();
                    Reduction r = reducer.reduce(t, in, layer);
                    r.tokens().hidden().toFloatArray(); // wait for the result
                    nanos += rep == 0 ? 0 : System.nanoTime() - start; // first pass warms up
                    calls += rep == 0 ? 0 : 1;
                    t = r.tokens();
                    counts.add(t.length());
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-14s tokens %d -> %s  (%.2f ms per call)%n", label, n, counts,
                calls == 0 ? 0 : nanos / 1e6 / calls);
    }

    private static TokenSet initial(NDManager m, int batch, int n, boolean multimodal, String method) {
        TokenSet.Builder b = TokenSet.builder(m.randomNormal(new Shape(batch, n, WIDTH))).protect(0);
        if (method.equals("crossget")) {
            b.protect(0, -1);
        }
        if (multimodal) {
            b.spans(ModalitySpans.textThenImage(40, n - 40));
        }
        return b.build();
    }

    private static SiteInputs inputs(NDManager m, TokenSet t, boolean multimodal) {
        int b = t.batch();
        int n = t.length();
        NDArray keys = t.hidden().add(m.randomNormal(new Shape(b, n, WIDTH)).mul(0.5f));
        NDArray att = m.randomNormal(new Shape(b, 12, n, n)).softmax(3);
        SiteInputs.Builder in = SiteInputs.builder().metric(keys).guide(keys.get(":, -1, :"))
                .attention(att).dictionary(m.randomNormal(new Shape(100, WIDTH)));
        if (multimodal) {
            int lt = t.spans().textLength();
            in.crossAttention(att.get(":, :, :" + lt + ", " + lt + ":"));
        }
        return in.build();
    }
}
