package io.github.tokenreduce.bench;

import io.github.tokenreduce.bench.step.StepCost;
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
 * JMH: one reduction step of each operator at a ViT-B/16 site ([batch, 197, 768], 12 heads; the
 * site of {@link StepCost}), the result forced to the host. Run: {@code java -cp benchmarks/target/classes:<classpath>
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

    private StepCost site;

    @Setup(Level.Trial)
    public void setUp() {
        site = new StepCost(method, batch);
    }

    @Benchmark
    public float reduce() {
        return site.step();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        site.close();
    }
}
