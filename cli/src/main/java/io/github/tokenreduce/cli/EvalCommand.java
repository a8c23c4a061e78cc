package io.github.tokenreduce.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.cli.data.StsDatasets;
import io.github.tokenreduce.cli.data.StsPair;
import io.github.tokenreduce.cli.measure.Interleaved;
import io.github.tokenreduce.cli.measure.Speedups;
import io.github.tokenreduce.cli.report.Charts;
import io.github.tokenreduce.cli.text.TextTasks;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.util.Tensors;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.OnnxRuntimeSentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipTokenizer;
import io.github.tokenreduce.djl.family.OnnxRuntimeImages;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code tokenreduce eval}: accuracy of each method and level against the unreduced model, with its
 * speed-up: every configuration's evaluation is warmed up, then timed in interleaved rounds
 * ({@link Speedups}), so one that reduces nothing on the data reports about 1.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures each method at each level against the unreduced model on labelled data:",
            "  zeroshot   CLIP image classification over a folder of class sub-folders (prompt templates)",
            "  retrieval  CLIP image-text retrieval over an image folder and a COCO/Flickr Karpathy captions JSON",
            "  text       a bundled sentence encoder on STS-B dev, SICK and Cranfield (the shared data folder)",
            "  sts        a bundled sentence encoder on one STS file (STS-B .csv or SICK .txt)",
            "Each configuration's evaluation runs --warmup times untimed, then --rounds timed rounds interleaved in "
                + "random order; the speed-up is the ratio of median times.",
            "Writes report.md and a chart of accuracy against speed-up."})
public final class EvalCommand implements Callable<Integer> {

    /** The tasks. */
    enum Task { ZEROSHOT, RETRIEVAL, TEXT, STS }

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A CLIP folder (zeroshot, retrieval) or a bundled encoder (text, sts).")
    String model;

    @Spec
    CommandSpec spec;

    @Option(names = "--task", required = true, description = "zeroshot, retrieval, text or sts.")
    String task;

    @Option(names = "--images", description = "Image folder (class sub-folders for zeroshot).")
    Path images;

    @Option(names = "--captions", description = "Karpathy-style captions JSON (retrieval).")
    Path captions;

    @Option(names = "--split", defaultValue = "test", description = "Karpathy split to use, or 'all' (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--template", description = "Prompt template with {} for the class name (repeatable; default 'a photo of a {}.').")
    List<String> templates;

    @Option(names = "--data", defaultValue = "../shared/data", description = "STS file (sts) or the shared data folder (text).")
    Path data;

    @Option(names = "--limit", defaultValue = "0", description = "At most this many pairs, queries and documents (text; 0: all).")
    int limit;

    @Option(names = "--methods", split = ",", description = "Methods (default tome,crossget,madtp).")
    List<String> methods;

    @Option(names = "--levels", split = ",", description = "Levels: r for CLIP, share kept per layer for text.")
    List<Double> levels;

    @Option(names = "--batch", defaultValue = "16", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--warmup", defaultValue = "1",
            description = "Untimed evaluations of each configuration first (>= 1; default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Timed evaluations of each configuration, interleaved (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the round order.")
    long seed;

    @Option(names = "--precisions", split = ",", defaultValue = "fp32", converter = PrecisionConverter.class,
            description = "Precisions of the linear layers (fp32, bf16, int8, auto); float32 always runs as the "
                    + "reference (default ${DEFAULT-VALUE}).")
    List<Precision> precisions;

    @Option(names = "--engine", defaultValue = "pytorch",
            description = "pytorch (default), or onnxruntime: each configuration exported as one ONNX graph with its "
                    + "reduction inside (fp32 and int8 of --precisions): the sentence encoder, or CLIP's image tower "
                    + "(its texts through the float32 eager text tower); MADTP is skipped on text, its counts are per "
                    + "text. See docs/export.md.")
    String engine;

    /** A method at a level, or the unreduced model (method null), at a precision. */
    record Config(String method, double level, Precision precision) {
        static final Config UNREDUCED = new Config(null, 0, Precision.FP32);

        String label() {
            return prefix() + (method == null ? "unreduced"
                    : method + " " + (level == Math.rint(level) ? Long.toString((long) level) : Double.toString(level)));
        }

        /** The chart series: the method at this precision. */
        String series() {
            return prefix() + method;
        }

        private String prefix() {
            return precision == Precision.FP32 ? "" : precision.label() + " ";
        }
    }

    /** One configuration's metrics and the timing of its evaluation. */
    record Row(Config config, Map<String, Double> metrics, Speedups.Entry time) {}

    @Override
    public Integer call() throws Exception {
        common.apply();
        if (warmup < 1 || rounds < 1) {
            throw new IllegalArgumentException("--warmup and --rounds must each be >= 1 (a first evaluation is never "
                    + "timed) but were " + warmup + " and " + rounds);
        }
        Task t;
        try {
            t = Task.valueOf(task.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--task: expected zeroshot, retrieval, text or sts but got '" + task + "'");
        }
        if (!engine.equals("pytorch") && !engine.equals("onnxruntime")) {
            throw new IllegalArgumentException("--engine: expected pytorch or onnxruntime but got '" + engine + "'");
        }
        List<String> ms = methods == null ? Levels.METHODS : methods;
        List<Row> rows = switch (t) {
            case ZEROSHOT, RETRIEVAL -> clip(t, ms);
            case TEXT, STS -> text(t, ms);
        };
        report(t, rows);
        return 0;
    }

    private List<Row> text(Task t, List<String> ms) throws IOException {
        BundledEncoder b = ModelArgs.bundled(model);
        if (b == null) {
            throw new IllegalArgumentException("model: '" + model + "' is not a bundled sentence encoder "
                    + "(all-minilm-l6-v2, bge-small-en-v1.5, e5-small-v2), which the " + task + " task needs");
        }
        List<Double> ls = levels == null ? List.of(0.9, 0.8, 0.7) : levels;
        boolean ort = engine.equals("onnxruntime");
        List<Config> cs = configs(ms, ls).stream().filter(c -> !ort || onOnnxRuntime(c, true)).toList();
        Map<Config, Map<String, Double>> metrics = new HashMap<>();
        List<OnnxRuntimeSentenceEncoder> sessions = new ArrayList<>();
        try (SentenceEncoder loaded = b.load(common.device()).withBatchSize(batch);
                Progress p = new Progress("eval " + task, steps(cs), common.quiet)) {
            TextTasks tasks = t == Task.TEXT ? TextTasks.read(data, limit) : null;
            List<StsPair> pairs = t == Task.STS ? sts(data) : null;
            List<Interleaved.Contender> runs = new ArrayList<>();
            Map<Precision, SentenceEncoder> views = new EnumMap<>(Precision.class);
            for (Config c : cs) {
                TowerReduction r = c.method() == null ? null
                        : TowerReduction.of(Levels.reducer(c.method(), Levels.textSchedule(c.level()), false));
                Function<List<String>, float[][]> embed;
                if (ort) {
                    OnnxRuntimeSentenceEncoder o = OnnxRuntimeSentenceEncoder.open(b, r, c.precision(),
                            SentenceEncoderOnnxExport.DEFAULT_LENGTHS, batch);
                    sessions.add(o);
                    embed = o::embed;
                } else {
                    SentenceEncoder base = views.computeIfAbsent(c.precision(), loaded::withPrecision);
                    SentenceEncoder e = r == null ? base : base.withReduction(Site.TEXT_BLOCKS, r);
                    embed = e::embed;
                }
                runs.add(new Interleaved.Contender(c.label(), () -> metrics.put(c, tasks != null
                        ? scores(tasks.score(b, embed))
                        : Map.of("Spearman ρ", TextTasks.spearman(pairs, b, embed)))));
            }
            return rows(cs, metrics, Speedups.measure(runs, warmup, rounds, seed, p));
        } finally {
            sessions.forEach(OnnxRuntimeSentenceEncoder::close);
        }
    }

    /**
     * Whether ONNX Runtime can run {@code c} (fp32 or int8; on a sentence encoder, {@code text}, not MADTP); says
     * why not on stderr.
     */
    private boolean onOnnxRuntime(Config c, boolean text) {
        String why = c.precision() != Precision.FP32 && c.precision() != Precision.INT8
                ? c.precision().label() + " (ONNX Runtime's CPU provider has no bfloat16 products)"
                : text && "madtp".equals(c.method()) ? "madtp (its counts are per text, which the graph cannot hold)"
                : null;
        if (why != null) {
            spec.commandLine().getErr().println("tokenreduce eval: --engine onnxruntime skips " + c.label() + ": " + why);
            spec.commandLine().getErr().flush();
        }
        return why == null;
    }

    private static Map<String, Double> scores(TextTasks.Scores s) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("STS-B ρ", s.stsb());
        m.put("SICK ρ", s.sick());
        m.put("nDCG@10", s.ndcg10());
        m.put("R@100", s.recall100());
        return m;
    }

    private long steps(List<Config> cs) {
        return (long) (warmup + rounds) * cs.size();
    }

    private static List<Row> rows(List<Config> cs, Map<Config, Map<String, Double>> metrics,
            Map<String, Speedups.Entry> times) {
        return cs.stream().map(c -> new Row(c, metrics.get(c), times.get(c.label()))).toList();
    }

    private List<StsPair> sts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--data: the sts task needs an STS file (.csv or SICK .txt), got " + file);
        }
        List<StsPair> pairs = file.toString().endsWith(".csv") ? StsDatasets.stsb(file) : StsDatasets.sick(file);
        return limit > 0 ? pairs.subList(0, Math.min(limit, pairs.size())) : pairs;
    }

    private List<Row> clip(Task t, List<String> ms) throws Exception {
        Path dir = Path.of(model);
        if (images == null) {
            throw new IllegalArgumentException("--images: the " + task + " task needs an image folder");
        }
        List<Double> ls = levels == null ? List.of(8.0, 16.0) : levels;
        boolean ort = engine.equals("onnxruntime");
        List<Config> cs = configs(ms, ls).stream().filter(c -> !ort || onOnnxRuntime(c, false)).toList();
        List<OnnxRuntimeImages> graphs = new ArrayList<>();
        try (ClipModel base = ClipModel.load(dir, common.device());
                ClipTokenizer tok = ClipTokenizer.load(dir, base.config().context());
                NDManager m = NDManager.newBaseManager();
                Progress p = new Progress("eval " + task, steps(cs), common.quiet)) {
            ClipImageProcessor proc = new ClipImageProcessor(base.config().imageSize());
            List<String> texts = new ArrayList<>();
            List<BufferedImage> imgs = new ArrayList<>();
            List<Integer> truth = new ArrayList<>();       // zeroshot: class of each image
            List<List<Integer>> owned = new ArrayList<>(); // retrieval: captions of each image
            List<String> classes = new ArrayList<>();
            if (t == Task.ZEROSHOT) {
                for (Path c : Images.classes(images)) {
                    classes.add(c.getFileName().toString().replace('_', ' '));
                    for (Path f : Images.list(c)) {
                        imgs.add(Images.read(f));
                        truth.add(classes.size() - 1);
                    }
                }
            } else {
                readCaptions(imgs, texts, owned);
            }
            if (imgs.isEmpty()) {
                throw new IllegalArgumentException("--images: no images found under " + images);
            }
            NDArray pixels = proc.batch(m, imgs);
            List<String> prompts = templates == null ? List.of("a photo of a {}.") : templates;
            Map<Config, Map<String, Double>> metrics = new HashMap<>();
            Map<Config, int[]> predictions = new HashMap<>();
            List<Interleaved.Contender> runs = new ArrayList<>();
            Map<Precision, ClipModel> views = new EnumMap<>(Precision.class);
            for (Config cfg : cs) {
                ClipModel precise = views.computeIfAbsent(ort ? Precision.FP32 : cfg.precision(), base::withPrecision);
                TokenReducer r = cfg.method() == null ? null
                        : Levels.reducer(cfg.method(), Levels.visionSchedule(cfg.level()), true);
                ClipModel c = r == null || ort ? precise
                        : precise.withReduction(Site.VISION_BLOCKS, TowerReduction.of(r));
                Function<NDArray, NDArray> images;
                if (ort) { // the image tower as its exported graph; the texts through the float32 eager tower
                    OnnxRuntimeImages graph = OnnxRuntimeImages.open(dir, r, cfg.precision());
                    graphs.add(graph);
                    images = x -> Tensors.normalize(graph.run(x, "image_embeds"));
                } else {
                    images = c::encodeImages;
                }
                runs.add(new Interleaved.Contender(cfg.label(), () -> {
                    try (NDManager run = m.newSubManager()) {
                        run.tempAttachAll(pixels); // what the evaluation creates is freed with run
                        NDArray img = embedImages(images, pixels);
                        if (t == Task.ZEROSHOT) {
                            int[] pred = zeroShot(c, tok, run, img, classes, prompts);
                            predictions.put(cfg, pred);
                            metrics.put(cfg, new LinkedHashMap<>(Map.of("top-1", accuracy(pred, truth))));
                        } else {
                            metrics.put(cfg, retrieval(img.matMul(c.encodeTexts(run, tok.encode(texts)).transpose()),
                                    owned));
                        }
                    }
                }));
            }
            Map<String, Speedups.Entry> times = Speedups.measure(runs, warmup, rounds, seed, p);
            int[] reference = predictions.get(Config.UNREDUCED);
            predictions.forEach((cfg, pred) -> metrics.get(cfg).put("agreement", agreement(pred, reference)));
            return rows(cs, metrics, times);
        } finally {
            graphs.forEach(OnnxRuntimeImages::close);
        }
    }

    /** The class each image's embedding is nearest to, among the mean prompt embedding of each class. */
    private static int[] zeroShot(ClipModel c, ClipTokenizer tok, NDManager run, NDArray img, List<String> classes,
            List<String> prompts) {
        NDList classEmb = new NDList();
        for (String cls : classes) {
            List<String> filled = prompts.stream().map(x -> x.replace("{}", cls)).toList();
            NDArray mean = c.encodeTexts(run, tok.encode(filled)).mean(new int[] {0}, true);
            classEmb.add(mean.div(mean.norm()));
        }
        return argmaxRows(img.matMul(NDArrays.concat(classEmb, 0).transpose()));
    }

    private static double accuracy(int[] pred, List<Integer> truth) {
        int correct = 0;
        for (int i = 0; i < pred.length; i++) {
            correct += pred[i] == truth.get(i) ? 1 : 0;
        }
        return (double) correct / pred.length;
    }

    private static double agreement(int[] pred, int[] reference) {
        int agree = 0;
        for (int i = 0; i < pred.length; i++) {
            agree += pred[i] == reference[i] ? 1 : 0;
        }
        return (double) agree / pred.length;
    }

    /** Recall@1/5/10 both ways of an image × text similarity matrix. */
    private static Map<String, Double> retrieval(NDArray sim, List<List<Integer>> owned) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int k : new int[] {1, 5, 10}) {
            out.put("i→t R@" + k, recallImageToText(sim, owned, k));
        }
        for (int k : new int[] {1, 5, 10}) {
            out.put("t→i R@" + k, recallTextToImage(sim, owned, k));
        }
        return out;
    }

    /** Unit image embeddings of {@code pixels} by {@code encode}, in batches of {@code --batch}. */
    private NDArray embedImages(Function<NDArray, NDArray> encode, NDArray pixels) {
        long n = pixels.getShape().get(0);
        NDList parts = new NDList();
        for (long i = 0; i < n; i += batch) {
            parts.add(encode.apply(pixels.get(i + ":" + Math.min(n, i + batch))));
        }
        return NDArrays.concat(parts, 0);
    }

    private void readCaptions(List<BufferedImage> imgs, List<String> texts, List<List<Integer>> owned) throws IOException {
        if (captions == null) {
            throw new IllegalArgumentException("--captions: the retrieval task needs a Karpathy captions JSON");
        }
        JsonObject json;
        try (Reader r = Files.newBufferedReader(captions)) {
            json = JsonUtils.GSON.fromJson(r, JsonObject.class);
        } catch (com.google.gson.JsonParseException e) {
            throw new IllegalArgumentException("--captions: " + captions + " is not valid JSON: " + e.getMessage());
        }
        if (json == null || !json.has("images")) {
            throw new IllegalArgumentException("--captions: " + captions + " has no \"images\" list (Karpathy format)");
        }
        for (JsonElement e : json.getAsJsonArray("images")) {
            JsonObject im = e.getAsJsonObject();
            if (!split.equals("all") && im.has("split") && !im.get("split").getAsString().equals(split)) {
                continue;
            }
            String file = im.get("filename").getAsString();
            Path f = im.has("filepath") ? images.resolve(im.get("filepath").getAsString()).resolve(file) : images.resolve(file);
            imgs.add(Images.read(f));
            List<Integer> mine = new ArrayList<>();
            for (JsonElement s : im.getAsJsonArray("sentences")) {
                mine.add(texts.size());
                texts.add(s.getAsJsonObject().get("raw").getAsString());
            }
            owned.add(mine);
        }
    }

    private static double recallImageToText(NDArray sim, List<List<Integer>> owned, int k) {
        long[][] top = topK(sim, k);
        int hit = 0;
        for (int i = 0; i < top.length; i++) {
            for (long j : top[i]) {
                if (owned.get(i).contains((int) j)) {
                    hit++;
                    break;
                }
            }
        }
        return (double) hit / top.length;
    }

    private static double recallTextToImage(NDArray sim, List<List<Integer>> owned, int k) {
        long[][] top = topK(sim.transpose(), k);
        int hit = 0;
        for (int i = 0; i < owned.size(); i++) {
            for (int t : owned.get(i)) {
                for (long j : top[t]) {
                    if (j == i) {
                        hit++;
                        break;
                    }
                }
            }
        }
        return (double) hit / top.length;
    }

    private static long[][] topK(NDArray sim, int k) {
        return ClipModel.topK(sim, (int) Math.min(k, sim.getShape().get(1)));
    }

    private static int[] argmaxRows(NDArray a) {
        long[] idx = a.argMax(1).toLongArray();
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = (int) idx[i];
        }
        return out;
    }

    /** At each precision (float32 first): the unreduced model, then each method at each level (each once). */
    private List<Config> configs(List<String> ms, List<Double> ls) {
        List<Config> out = new ArrayList<>();
        for (Precision p : Precision.resolveAll(precisions, common.device())) {
            out.add(p == Precision.FP32 ? Config.UNREDUCED : new Config(null, 0, p));
            for (String m : ms.stream().distinct().toList()) {
                for (double l : ls.stream().distinct().toList()) {
                    out.add(new Config(m, l, p));
                }
            }
        }
        return out;
    }

    private void report(Task t, List<Row> rows) throws IOException {
        Files.createDirectories(common.out);
        List<String> cols = new ArrayList<>(rows.get(0).metrics().keySet());
        StringBuilder sb = new StringBuilder("# tokenreduce eval: ").append(t.name().toLowerCase(Locale.ROOT))
                .append("\n\nModel: ").append(model)
                .append(engine.equals("onnxruntime") ? " on ONNX Runtime (each configuration exported as one graph)" : "")
                .append(String.format(Locale.ROOT, ". Speed-up: median wall time "
                        + "of the unreduced model's whole evaluation (including what a method leaves whole) over this "
                        + "configuration's; each evaluated %d time(s) untimed, then %d timed rounds interleaved in random "
                        + "order (seed %d).%n%n| configuration | ", warmup, rounds, seed));
        cols.forEach(c -> sb.append(c).append(" | "));
        sb.append("time s (median) | range s | speed-up |\n|---|");
        cols.forEach(c -> sb.append("---|"));
        sb.append("---|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.config().label()).append(" | ");
            r.metrics().values().forEach(v -> sb.append(String.format(Locale.ROOT, "%.4f | ", v)));
            Speedups.Entry e = r.time();
            sb.append(String.format(Locale.ROOT, "%.2f | %.2f–%.2f | %.2f |%n", e.medianSeconds(), e.minSeconds(),
                    e.maxSeconds(), e.speedup()));
        }
        sb.append("\n![accuracy vs speed-up](eval-accuracy.png)\n");
        Files.writeString(common.out.resolve("report.md"), sb.toString());
        Map<String, List<Row>> byMethod = new LinkedHashMap<>();
        for (Row r : rows.subList(1, rows.size())) {
            if (r.config().method() != null) {
                byMethod.computeIfAbsent(r.config().series(), k -> new ArrayList<>(List.of(rows.get(0)))).add(r);
            }
        }
        List<Charts.Series> series = new ArrayList<>();
        String metric = cols.get(0).equals("STS-B ρ") ? "nDCG@10" : cols.get(0);
        byMethod.forEach((k, v) -> series.add(new Charts.Series(k, v.stream().map(r -> r.time().speedup()).toList(),
                v.stream().map(r -> r.metrics().get(metric)).toList())));
        Charts.xy(common.out.resolve("eval-accuracy.png"), metric + " vs speed-up", "speed-up × unreduced", metric, series,
                true);
        if (!common.quiet) {
            System.out.println(sb);
        }
    }
}
