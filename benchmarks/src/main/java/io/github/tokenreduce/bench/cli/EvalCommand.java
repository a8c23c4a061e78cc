package io.github.tokenreduce.bench.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.tokenreduce.bench.data.StsDatasets;
import io.github.tokenreduce.bench.data.StsPair;
import io.github.tokenreduce.bench.report.Charts;
import io.github.tokenreduce.bench.text.TextTasks;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.clip.ClipImageProcessor;
import io.github.tokenreduce.djl.clip.ClipModel;
import io.github.tokenreduce.djl.clip.ClipTokenizer;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.Tower;
import io.github.tokenreduce.djl.site.TowerReduction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tokenreduce eval}: accuracy of each method and level against the unreduced model, with its speed-up. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures each method at each level against the unreduced model on labelled data:",
            "  zeroshot   CLIP image classification over a folder of class sub-folders (prompt templates)",
            "  retrieval  CLIP image-text retrieval over an image folder and a COCO/Flickr Karpathy captions JSON",
            "  text       a bundled sentence encoder on STS-B dev, SICK and Cranfield (the shared data folder)",
            "  sts        a bundled sentence encoder on one STS file (STS-B .csv or SICK .txt)",
            "Writes report.md and a chart of accuracy against speed-up."})
public final class EvalCommand implements Callable<Integer> {

    /** The tasks. */
    enum Task { ZEROSHOT, RETRIEVAL, TEXT, STS }

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A CLIP folder (zeroshot, retrieval) or a bundled encoder (text, sts).")
    String model;

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

    /** A method at a level, or the unreduced model (method null). */
    record Config(String method, double level) {
        static final Config UNREDUCED = new Config(null, 0);

        String label() {
            return method == null ? "unreduced"
                    : method + " " + (level == Math.rint(level) ? Long.toString((long) level) : Double.toString(level));
        }
    }

    /** One configuration's metrics and wall time. */
    record Row(Config config, Map<String, Double> metrics, double seconds) {}

    @Override
    public Integer call() throws Exception {
        common.apply();
        Task t;
        try {
            t = Task.valueOf(task.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--task: expected zeroshot, retrieval, text or sts but got '" + task + "'");
        }
        List<String> ms = methods == null ? List.of("tome", "crossget", "madtp") : methods;
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
        List<Row> rows = new ArrayList<>();
        try (SentenceEncoder base = b.load(common.device()).withBatchSize(batch);
                Progress p = new Progress("eval " + task, 1 + (long) ms.size() * ls.size(), common.quiet)) {
            TextTasks tasks = t == Task.TEXT ? TextTasks.read(data, limit) : null;
            List<StsPair> pairs = t == Task.STS ? sts(data) : null;
            for (Config c : configs(ms, ls)) {
                SentenceEncoder e = c.method() == null ? base : base.withReduction(Tower.TEXT,
                        TowerReduction.of(Levels.reducer(c.method(), Levels.textSchedule(c.level()), false)));
                long t0 = System.nanoTime();
                Map<String, Double> metrics = new LinkedHashMap<>();
                if (tasks != null) {
                    TextTasks.Scores s = tasks.score(b, e::embed);
                    metrics.put("STS-B ρ", s.stsb());
                    metrics.put("SICK ρ", s.sick());
                    metrics.put("nDCG@10", s.ndcg10());
                    metrics.put("R@100", s.recall100());
                } else {
                    metrics.put("Spearman ρ", TextTasks.spearman(pairs, b, e::embed));
                }
                rows.add(new Row(c, metrics, (System.nanoTime() - t0) / 1e9));
                p.step();
            }
        }
        return rows;
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
        List<Row> rows = new ArrayList<>();
        try (ClipModel base = ClipModel.load(dir, common.device());
                ClipTokenizer tok = ClipTokenizer.load(dir, base.config().context());
                NDManager m = NDManager.newBaseManager();
                Progress p = new Progress("eval " + task, 1 + (long) ms.size() * ls.size(), common.quiet)) {
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
            int[] reference = null;
            for (Config cfg : configs(ms, ls)) {
                ClipModel c = cfg.method() == null ? base : base.withReduction(Tower.VISION,
                        TowerReduction.of(Levels.reducer(cfg.method(), Levels.visionSchedule(cfg.level()), true)));
                long t0 = System.nanoTime();
                NDArray img = embedImages(c, pixels);
                Map<String, Double> metrics = new LinkedHashMap<>();
                if (t == Task.ZEROSHOT) {
                    NDList classEmb = new NDList();
                    for (String cls : classes) {
                        List<String> filled = prompts.stream().map(x -> x.replace("{}", cls)).toList();
                        NDArray e = c.encodeTexts(m, tok.encode(filled));
                        NDArray mean = e.mean(new int[] {0}, true);
                        classEmb.add(mean.div(mean.norm()));
                    }
                    int[] pred = argmaxRows(img.matMul(NDArrays.concat(classEmb, 0).transpose()));
                    int correct = 0;
                    int agree = 0;
                    for (int i = 0; i < pred.length; i++) {
                        correct += pred[i] == truth.get(i) ? 1 : 0;
                        agree += reference != null && pred[i] == reference[i] ? 1 : 0;
                    }
                    if (reference == null) {
                        reference = pred;
                        agree = pred.length;
                    }
                    metrics.put("top-1", (double) correct / pred.length);
                    metrics.put("agreement", (double) agree / pred.length);
                } else {
                    NDArray txt = c.encodeTexts(m, tok.encode(texts));
                    NDArray sim = img.matMul(txt.transpose());
                    for (int k : new int[] {1, 5, 10}) {
                        metrics.put("i→t R@" + k, recallImageToText(sim, owned, k));
                    }
                    for (int k : new int[] {1, 5, 10}) {
                        metrics.put("t→i R@" + k, recallTextToImage(sim, owned, k));
                    }
                }
                rows.add(new Row(cfg, metrics, (System.nanoTime() - t0) / 1e9));
                p.step();
            }
        }
        return rows;
    }

    private NDArray embedImages(ClipModel c, NDArray pixels) {
        long n = pixels.getShape().get(0);
        NDList parts = new NDList();
        for (long i = 0; i < n; i += batch) {
            parts.add(c.encodeImages(pixels.get(i + ":" + Math.min(n, i + batch))));
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

    private static List<Config> configs(List<String> ms, List<Double> ls) {
        List<Config> out = new ArrayList<>(List.of(Config.UNREDUCED));
        for (String m : ms) {
            for (double l : ls) {
                out.add(new Config(m, l));
            }
        }
        return out;
    }

    private void report(Task t, List<Row> rows) throws IOException {
        Files.createDirectories(common.out);
        double base = rows.get(0).seconds();
        List<String> cols = new ArrayList<>(rows.get(0).metrics().keySet());
        StringBuilder sb = new StringBuilder("# tokenreduce eval: ").append(t.name().toLowerCase(Locale.ROOT))
                .append("\n\nModel: ").append(model).append(". Speed-up: wall time of this evaluation against the "
                        + "unreduced model's (all of it, including what the method leaves whole).\n\n| configuration | ");
        cols.forEach(c -> sb.append(c).append(" | "));
        sb.append("time s | speed-up |\n|---|");
        cols.forEach(c -> sb.append("---|"));
        sb.append("---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.config().label()).append(" | ");
            r.metrics().values().forEach(v -> sb.append(String.format(Locale.ROOT, "%.4f | ", v)));
            sb.append(String.format(Locale.ROOT, "%.2f | %.2f |%n", r.seconds(), base / r.seconds()));
        }
        sb.append("\n![accuracy vs speed-up](eval-accuracy.png)\n");
        Files.writeString(common.out.resolve("report.md"), sb.toString());
        Map<String, List<Row>> byMethod = new LinkedHashMap<>();
        for (Row r : rows.subList(1, rows.size())) {
            byMethod.computeIfAbsent(r.config().method(), k -> new ArrayList<>(List.of(rows.get(0)))).add(r);
        }
        List<Charts.Series> series = new ArrayList<>();
        String metric = cols.get(0).equals("STS-B ρ") ? "nDCG@10" : cols.get(0);
        byMethod.forEach((k, v) -> series.add(new Charts.Series(k, v.stream().map(r -> base / r.seconds()).toList(),
                v.stream().map(r -> r.metrics().get(metric)).toList())));
        Charts.xy(common.out.resolve("eval-accuracy.png"), metric + " vs speed-up", "speed-up × unreduced", metric, series,
                true);
        if (!common.quiet) {
            System.out.println(sb);
        }
    }
}
