package io.github.tokenreduce.cli.workload;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.tokenreduce.cli.measure.Flops;
import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.blip.BlipConfig;
import io.github.tokenreduce.djl.blip.BlipModel;
import io.github.tokenreduce.djl.blip.BlipOnnxExport;
import io.github.tokenreduce.djl.blip.RandomBlipWeights;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import io.github.tokenreduce.djl.text.TextBatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * BLIP image-text matching on {@link BenchImages} and random captions: vision methods at the VISION site,
 * PuMer at the FUSION site (a level is its prune ratio; merge ratio and text ratio follow the
 * released setting's proportions).
 */
public final class BlipWorkload implements Workload {

    private final NDManager manager;
    private final BlipModel model;
    private final PrecisionViews<BlipModel> precisions;
    private final String name;
    private final NDArray pixels;
    private final TextBatch texts;
    private final ExportFiles files;
    private final List<OrtPeer> sessions = new ArrayList<>();

    private final BenchImages images;

    private BlipWorkload(NDManager manager, BlipModel model, String name, int batch, ExportFiles files,
            BenchImages images) {
        this.manager = manager;
        this.files = files;
        this.model = model;
        this.precisions = new PrecisionViews<>(model, model::withPrecision);
        this.name = name;
        BlipConfig c = model.config();
        this.images = images;
        this.pixels = images.batch(manager, batch, c.imageSize());
        Random rnd = new Random(7);
        long[][] ids = new long[batch][20];
        long[][] mask = new long[batch][20];
        for (int i = 0; i < batch; i++) {
            ids[i][0] = 101;
            for (int j = 1; j < 19; j++) {
                ids[i][j] = 1000 + rnd.nextInt(Math.max(c.vocab() - 1000, 1));
            }
            ids[i][19] = 102;
            Arrays.fill(mask[i], 1);
        }
        this.texts = new TextBatch(ids, mask);
    }

    /** BLIP base retrieval (ViT-B/16 at 384 px + BERT-base) with random weights. */
    public static BlipWorkload randomBase(int batch, BenchImages images) {
        NDManager m = NDManager.newBaseManager();
        m.getEngine().setRandomSeed(42);
        Map<String, NDArray> weights = RandomBlipWeights.base(m);
        return new BlipWorkload(m, BlipModel.of(weights, m), "BLIP ITM, ViT-B/16 @384 + BERT (random weights)", batch,
                new ExportFiles(null, weights), images);
    }

    /** The BLIP at {@code path}. */
    public static BlipWorkload load(Path path, Device device, int batch, BenchImages images) throws IOException {
        NDManager m = NDManager.newBaseManager(device);
        return new BlipWorkload(m, BlipModel.load(path, device), "BLIP ITM (" + path.getFileName() + ")", batch,
                new ExportFiles(path, null), images);
    }

    @Override
    public String describe() {
        BlipConfig c = model.config();
        return String.format("%s, %d px, batch %d image-text pairs, %s", name, c.imageSize(), items(),
                images.description());
    }

    @Override
    public String unit() {
        return "pairs";
    }

    @Override
    public int items() {
        return (int) pixels.getShape().get(0);
    }

    @Override
    public List<String> methods() {
        return List.of("tome", "crossget", "madtp", "pumer");
    }

    /** PuMer reduces BLIP's fusion encoder only (its own model is ViLT), so it is run when asked for. */
    @Override
    public List<String> defaultMethods() {
        return Levels.METHODS;
    }

    @Override
    public List<Double> defaultLevels() {
        return List.of(20.0, 40.0);
    }

    @Override
    public Schedule schedule(String method, double level) {
        return method.equals("pumer") ? Schedule.dynamic(0, 2, 4, 6) : Levels.visionSchedule(level);
    }

    @Override
    public TokenReducer reducer(String method, double level) {
        if (method.equals("pumer")) {
            double p = Math.min(0.9, level / model.config().visionTokens());
            return PumerReducer.builder().layers(0, 2, 4, 6).pruneRatio(p).mergeRatio(Math.min(0.5, p))
                    .textMergeRatio(Math.min(0.5, p)).build();
        }
        return Workload.super.reducer(method, level);
    }

    @Override
    public Forward prepare(TokenReducer reducer, Precision precision) {
        BlipModel p = precisions.get(precision);
        BlipModel m = reducer == null ? p : p.withReduction(site(reducer), TowerReduction.of(reducer));
        return new Forward() {
            @Override
            public int[] run() {
                BlipModel.Matching r = m.match(pixels, texts);
                r.scores().close();
                r.logits().close();
                return r.visionTokens();
            }

            @Override
            public float[][] outputs() {
                NDArray sim = m.itcSimilarity(pixels, texts);
                float[][] r = Tensors.rows(sim);
                sim.close();
                return r;
            }

            @Override
            public double flops(int[] vision) {
                return BlipWorkload.this.flops(reducer, vision);
            }
        };
    }

    /** Where this workload attaches {@code reducer}: PuMer at the FUSION site, the rest at the VISION site. */
    private static Site site(TokenReducer reducer) {
        return reducer instanceof PumerReducer ? Site.FUSION : Site.VISION_BLOCKS;
    }

    /**
     * The ITM graph ({@link BlipOnnxExport#exportItm}, texts of this workload's length) with {@code reducer}
     * at its site, run by ONNX Runtime on the workload's pairs: its vision token counts from
     * {@code tokens_per_layer}, its FLOPs the eager model's for the same counts. It gives match logits where
     * the eager rows give ITC similarities, so it has no outputs to compare (its fidelity is checked to
     * 1e-3 when exported). int8 is refused by the export (said on stderr, no row).
     */
    @Override
    public Optional<Forward> exported(TokenReducer reducer, Precision precision) {
        if (!files.available()) {
            return Optional.empty();
        }
        Path model = files.path();
        Map<Site, TowerReduction> reductions = reducer == null ? Map.of() : Map.of(site(reducer),
                TowerReduction.of(reducer));
        Map<String, NDArray> inputs = new LinkedHashMap<>();
        inputs.put("pixels", pixels);
        inputs.put("input_ids", manager.create(texts.ids()));
        inputs.put("attention_mask", manager.create(texts.mask()));
        OrtPeer ort = OrtPeer.exported(file -> BlipOnnxExport.exportItm(model, reductions, texts.length(), file,
                precision), inputs);
        sessions.add(ort);
        return Optional.of(new Forward() {
            @Override
            public int[] run() {
                return ort.tokensPerLayer();
            }

            @Override
            public double flops(int[] vision) {
                return BlipWorkload.this.flops(reducer, vision);
            }

            @Override
            public float[][] outputs() {
                return null;
            }
        });
    }

    /** Multiply-add FLOPs of one ITM forward whose vision tower left {@code vision} tokens after each block. */
    private double flops(TokenReducer reducer, int[] vision) {
        BlipConfig c = model.config();
        int visionIn = c.visionTokens() + (reducer != null && reducer.usesCrossToken() ? 1 : 0);
        double v = Flops.stack(items(), visionIn, vision, c.visionWidth(), c.visionMlp());
        // text: self-attention, cross-attention to the final image tokens, feed-forward
        double t = texts.length();
        double li = vision[vision.length - 1];
        double w = c.textWidth();
        double perLayer = 8 * t * w * w + 4 * t * t * w + 4 * t * w * w + 4 * li * w * c.visionWidth()
                + 4 * t * li * w + 4 * t * w * c.textIntermediate();
        return v + perLayer * c.textLayers() * items();
    }

    @Override
    public void close() {
        sessions.forEach(OrtPeer::close);
        files.close();
        model.close();
        manager.close();
    }
}
