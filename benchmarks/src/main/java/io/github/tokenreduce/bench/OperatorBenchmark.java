package io.github.tokenreduce.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.github.tokenreduce.core.ModalitySpans;
import io.github.tokenreduce.core.SiteInputs;
import io.github.tokenreduce.core.TokenReducer;
import io.github.tokenreduce.core.TokenSet;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.pumer.PumerReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * JMH: one reduction step of each operator at a ViT-B/16 site ([batch, 197, 768], 12 heads), the
 * result forced to the host. Run: {@code java -cp benchmarks/target/classes:<classpath>
 * org.openjdk.jmh.Main OperatorBenchmark}, or from an IDE.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true"})
public class OperatorBenchmark {

    @Param({"tome", "crossget", "madtp", "pumer"})
    public String method;

    @Param({"8"})
    public int batch;

    private NDManager manager;
    private TokenReducer reducer;
    private TokenSet tokens;
    private SiteInputs inputs;

    @Setup(Level.Trial)
    public void setUp() {
        manager = NDManager.newBaseManager();
        int n = 197;
        NDArray hidden = manager.randomNormal(new Shape(batch, n, 768));
        NDArray keys = manager.randomNormal(new Shape(batch, n, 768));
        NDArray att = manager.randomNormal(new Shape(batch, 12, n, n)).softmax(3);
        TokenSet.Builder t = TokenSet.builder(hidden).protect(0);
        SiteInputs.Builder in = SiteInputs.builder().metric(keys).guide(keys.get(":, -1, :")).attention(att)
                .dictionary(manager.randomNormal(new Shape(100, 768)));
        switch (method) {
            case "tome" -> reducer = ToMeReducer.builder().r(16).build();
            case "crossget" -> {
                reducer = CrossGetReducer.builder().r(16).build();
                t.protect(0, -1);
            }
            case "madtp" -> reducer = MadtpReducer.builder().temperature(2f).build();
            default -> {
                reducer = PumerReducer.builder().layers(0).build();
                t.spans(ModalitySpans.textThenImage(40, n - 40));
                in.crossAttention(att.get(":, :, :40, 40:"));
            }
        }
        tokens = t.build();
        inputs = in.build();
    }

    @Benchmark
    public float reduce() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return reducer.reduce(tokens, inputs, 0).tokens().hidden().sum().getFloat();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }
}
