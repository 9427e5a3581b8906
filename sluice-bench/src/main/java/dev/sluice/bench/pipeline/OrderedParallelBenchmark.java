package dev.sluice.bench.pipeline;

import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.PipelinePlan;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code mapParallel(4, ordered)} on uniform work: {@value #ITEMS} items, each costing
 * {@code Blackhole.consumeCPU(work)} (the same for every item), through source -> mapParallel -> sink;
 * items/s. {@code ordered=true} (4 workers taking item and sequence number from the input link in one
 * step, a reorder ring emitted by whichever worker completes its head, the default window: max(4n, 2048)
 * on virtual threads, max(4n, 64) on platform threads) against {@code ordered=false} (4 workers reading the input link and emitting as done). The
 * target: ordered within 20% of unordered. {@code window} 0 means the default; {@code -p window=0,64}
 * adds the previous default of 64 on both (it only changes the ordered runs).
 *
 * <pre>{@code
 * java -jar sluice-bench/target/benchmarks.jar OrderedParallelBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class OrderedParallelBenchmark {

    static final int ITEMS = 20_000;

    @Param({"true", "false"})
    public boolean ordered;

    /** consumeCPU tokens per item; 1000 is a few microseconds here. */
    @Param({"1000"})
    public long work;

    @Param({"virtual", "platform"})
    public String threads;

    /** The reorder window; 0 for the default. */
    @Param({"0"})
    public int window;

    private PipelinePlan plan;

    @Setup
    public void setUp(Blackhole bh) {
        List<Integer> items = new ArrayList<>(ITEMS);
        for (int i = 0; i < ITEMS; i++) {
            items.add(i);
        }
        ThreadFactory factory = threads.equals("virtual") ? Thread.ofVirtual().factory()
                : Thread.ofPlatform().daemon(true).factory();
        long tokens = work;
        java.util.function.Function<Integer, Integer> f = x -> {
            Blackhole.consumeCPU(tokens);
            return x;
        };
        Pipeline<Integer> source = Pipeline.from(items);
        plan = (window == 0 ? source.mapParallel("work", 4, ordered, f) : source.mapParallel("work", 4, ordered, window, f))
                .to("sink", x -> bh.consume(x))
                .threads(factory);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void mapParallel() throws InterruptedException {
        plan.run();
    }
}
