package io.github.tokenreduce.bench.spark;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.github.tokenreduce.cli.data.Cranfield;
import io.github.tokenreduce.cli.measure.Interleaved;
import io.github.tokenreduce.cli.measure.ProcessStats;
import io.github.tokenreduce.spark.TokenReducedEmbedder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Rows per second of {@link TokenReducedEmbedder} on {@code local[1]} and {@code local[2]},
 * unreduced and reduced, with the bundled all-MiniLM-L6-v2 on Cranfield abstracts; writes
 * {@code spark-report.md}. Arguments: {@code [data dir] [out dir] [rows] [rounds]}.
 * libtorch's threads are set per configuration, so the table also shows how to split cores between
 * Spark tasks and libtorch.
 */
public final class SparkBenchmark {

    private SparkBenchmark() {}

    /** One configuration. */
    private record Config(int cores, int torchThreads, String method, double level) {
        String label() {
            return String.format(Locale.ROOT, "local[%d], %d libtorch thread%s, %s", cores, torchThreads,
                    torchThreads == 1 ? "" : "s", method.equals("none") ? "unreduced" : method + " keep " + level);
        }
    }

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data");
        Path out = Path.of(args.length > 1 ? args[1] : "target/spark-bench");
        int rows = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<String> texts = new ArrayList<>(Cranfield.read(data.resolve("cranfield")).docs().values())
                .subList(0, rows);
        List<Config> configs = List.of(new Config(1, 2, "none", 1), new Config(1, 2, "crossget", 0.8),
                new Config(2, 1, "none", 1), new Config(2, 1, "crossget", 0.8), new Config(2, 2, "none", 1));
        double[][] seconds = new double[configs.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int c = 0; c < configs.size(); c++) {
                seconds[c][round] = time(configs.get(c), texts);
                System.err.printf(Locale.ROOT, "round %d %s: %.2f s%n", round, configs.get(c).label(), seconds[c][round]);
            }
        }
        StringBuilder md = new StringBuilder("# tokenreduce on Spark\n\n").append(String.format(Locale.ROOT,
                "Measured %s on %d cores: %d Cranfield abstracts embedded by all-MiniLM-L6-v2 through "
                        + "`TokenReducedEmbedder` (batch 16, 4 partitions, the `noop` sink), median of %d rounds "
                        + "(configurations interleaved in each round). Peak RSS of the whole JVM: %d MB.%n%n",
                LocalDateTime.now().toString().substring(0, 16), Runtime.getRuntime().availableProcessors(), rows,
                rounds, ProcessStats.peakRss() >> 20));
        md.append("| configuration | median s | rows/s | × local[1] unreduced |\n|---|---|---|---|\n");
        double base = Interleaved.median(seconds[0]);
        for (int c = 0; c < configs.size(); c++) {
            double m = Interleaved.median(seconds[c]);
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.1f | %.2f |%n", configs.get(c).label(), m, rows / m,
                    base / m));
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("spark-report.md"), md.toString());
        System.out.println(md);
    }

    private static double time(Config c, List<String> texts) {
        // libtorch reads the process-wide count lazily in each new thread; a fresh session means fresh task threads.
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(c.torchThreads());
        SparkSession spark = SparkSession.builder().master("local[" + c.cores() + "]").appName("tokenreduce-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "localhost").getOrCreate();
        try {
            Dataset<Row> in = spark.createDataset(texts, Encoders.STRING()).toDF("text").repartition(4).cache();
            in.count();
            TokenReducedEmbedder e = new TokenReducedEmbedder().setModel("all-minilm-l6-v2").setInputCol("text")
                    .setMethod(c.method());
            if (!c.method().equals("none")) {
                e.setLevel(c.level());
            }
            long t0 = System.nanoTime();
            e.transform(in).write().format("noop").mode("overwrite").save();
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            spark.stop();
        }
    }
}
