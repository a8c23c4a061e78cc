package io.github.tokenreduce.bench.count;

import ai.djl.Device;
import io.github.tokenreduce.cli.data.Passages;
import io.github.tokenreduce.cli.measure.Interleaved;
import io.github.tokenreduce.core.RemovalCount;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoder;
import io.github.tokenreduce.djl.site.Levels;
import io.github.tokenreduce.djl.site.Site;
import io.github.tokenreduce.djl.site.TowerReduction;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What per-sample removal counts ({@link RemovalCount#PER_SAMPLE}, batch-independent) cost against
 * counts from the padded batch ({@link RemovalCount#PADDED_BATCH}): ToMe and CrossGET at keep 0.8
 * (64-token floor) embedding passages cut at random lengths (20–300 words), timed interleaved.
 * Arguments: {@code [passages.jsonl] [texts] [rounds] [batch]}; prints a Markdown table.
 */
public final class PerSampleCountCost {

    private PerSampleCountCost() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args.length > 0 ? args[0] : "../shared/data/austen/austen_passages300.jsonl");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        Random rnd = new Random(19);
        List<String> texts = new ArrayList<>();
        for (Passages.Passage p : Passages.sample(Passages.read(file), n, 0, 42)) {
            String[] w = p.text().split(" ");
            texts.add(String.join(" ", Arrays.copyOf(w, Math.min(w.length, 20 + rnd.nextInt(281)))));
        }
        try (SentenceEncoder base = BundledEncoder.ALL_MINILM_L6_V2.load(Device.cpu()).withBatchSize(batch)) {
            List<Interleaved.Contender> cs = new ArrayList<>();
            cs.add(new Interleaved.Contender("unreduced", () -> base.embed(texts)));
            for (RemovalCount c : RemovalCount.values()) {
                add(cs, base, texts, "tome " + c, ToMeReducer.builder().schedule(Levels.textSchedule(0.8))
                        .proportionalAttention(false).removalCount(c).build());
                add(cs, base, texts, "crossget " + c, CrossGetReducer.builder().schedule(Levels.textSchedule(0.8))
                        .proportionalAttention(false).removalCount(c).build());
            }
            Map<String, Interleaved.Timing> t = Interleaved.run(cs, 1, rounds, 1, Interleaved.ProgressListener.NONE);
            double unreduced = t.get("unreduced").median();
            System.out.printf(Locale.ROOT, "%d texts of 20-300 words from %s, batch %d, %d interleaved rounds%n%n",
                    texts.size(), file.getFileName(), batch, rounds);
            System.out.println("| configuration | median s (range) | × unreduced |\n|---|---|---|");
            for (Map.Entry<String, Interleaved.Timing> e : t.entrySet()) {
                Interleaved.Timing x = e.getValue();
                System.out.printf(Locale.ROOT, "| %s | %.2f (%.2f–%.2f) | %.2f |%n", e.getKey(), x.median(), x.min(),
                        x.max(), unreduced / x.median());
            }
            for (String m : List.of("tome", "crossget")) {
                System.out.printf(Locale.ROOT, "%n%s: per-sample / padded-batch time = %.3f%n", m,
                        t.get(m + " PER_SAMPLE").median() / t.get(m + " PADDED_BATCH").median());
            }
        }
    }

    private static void add(List<Interleaved.Contender> cs, SentenceEncoder base, List<String> texts, String name,
            TokenReducer r) {
        SentenceEncoder e = base.withReduction(Site.TEXT_BLOCKS, TowerReduction.of(r));
        cs.add(new Interleaved.Contender(name, () -> e.embed(texts)));
    }
}
