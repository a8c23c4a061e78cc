package io.github.tokenreduce.cli;

import io.github.tokenreduce.cli.data.Passages;
import io.github.tokenreduce.cli.data.StsDatasets;
import io.github.tokenreduce.cli.data.StsPair;
import io.github.tokenreduce.cli.eval.KnnClassification;
import io.github.tokenreduce.cli.text.TextTasks;
import io.github.tokenreduce.djl.bert.BundledEncoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * A labelled task {@code tokenreduce calibrate} measures a sentence encoder's accuracy on: k-NN
 * label accuracy (leave-one-out, cosine) on labelled passages, or Spearman on an STS file. A
 * {@code --data} folder gives its {@code austen/} and {@code sotu/} passages, a {@code .jsonl} file
 * the user's own labelled passages ({@code id}, {@code label}, {@code text}).
 *
 * @param name what the report calls it
 * @param texts the texts it embeds
 * @param score its accuracy (higher is better) from the embeddings of {@code texts}, in order
 */
record CalibrationTask(String name, List<String> texts, ToDoubleFunction<float[][]> score) {

    /** The passage files a data folder contributes, in this order. */
    static final List<String> FOLDER_FILES = List.of("austen/austen_passages300.jsonl", "sotu/sotu_passages300.jsonl");

    /** The tasks {@code data} holds, each limited to {@code limit} texts (passages) or pairs (STS). */
    static List<CalibrationTask> load(Path data, BundledEncoder model, int limit, int k) throws IOException {
        if (limit < 2) {
            throw new IllegalArgumentException("--limit: must be >= 2 but was " + limit);
        }
        List<CalibrationTask> out = new ArrayList<>();
        if (Files.isDirectory(data)) {
            for (String f : FOLDER_FILES) {
                if (Files.isRegularFile(data.resolve(f))) {
                    out.add(knn(data.resolve(f), model, limit, k));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("--data: " + data + " holds none of " + FOLDER_FILES
                        + "; give a folder with them or a .jsonl file of labelled passages (id, label, text)");
            }
            return out;
        }
        if (!Files.isRegularFile(data)) {
            throw new IllegalArgumentException("--data: " + data + " is neither a folder nor a file");
        }
        String name = data.getFileName().toString();
        if (name.endsWith(".jsonl")) {
            return List.of(knn(data, model, limit, k));
        }
        if (name.endsWith(".csv") || name.endsWith(".txt")) {
            List<StsPair> pairs = name.endsWith(".csv") ? StsDatasets.stsb(data) : StsDatasets.sick(data);
            List<StsPair> used = pairs.subList(0, Math.min(limit, pairs.size()));
            Set<String> unique = new LinkedHashSet<>(); // the order TextTasks.spearman embeds them in
            for (StsPair p : used) {
                unique.add(model.queryPrefix() + p.a());
                unique.add(model.queryPrefix() + p.b());
            }
            List<String> texts = List.copyOf(unique);
            return List.of(new CalibrationTask(name + " Spearman", texts,
                    e -> TextTasks.spearman(used, model, asked -> {
                        if (!asked.equals(texts)) {
                            throw new IllegalStateException("STS texts asked in another order than embedded");
                        }
                        return e;
                    })));
        }
        throw new IllegalArgumentException("--data: expected a folder, a .jsonl file of labelled passages, or an STS "
                + ".csv/SICK .txt file, got " + data);
    }

    private static CalibrationTask knn(Path jsonl, BundledEncoder model, int limit, int k) throws IOException {
        List<Passages.Passage> ps = Passages.sample(Passages.read(jsonl), limit, 0, 42);
        if (ps.size() <= k) {
            throw new IllegalArgumentException("--data: " + jsonl + " has " + ps.size() + " passages; k-NN with k = " + k
                    + " needs more than k");
        }
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Passages.Passage p : ps) {
            texts.add(model.passagePrefix() + p.text());
            labels.add(p.label());
        }
        return new CalibrationTask(jsonl.getFileName() + " " + k + "-NN", texts,
                e -> java.util.Arrays.stream(KnnClassification.leaveOneOut(e, labels, null, k)).average().orElse(0));
    }
}
