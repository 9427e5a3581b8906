package dev.sluice.bench.pipeline;

import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.PipelinePlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
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
 * Per-item cost of a pipeline: a source of {@value #ITEMS} boxed integers, four stages of a trivial
 * function ({@code x + 1}), and a sink; items/s for the whole run, start and end of the pipeline included.
 * {@code unbatched} sends every item through every link on its own; {@code batched} groups them with
 * {@code batch(64, 1 ms)} right after the source, so each of the four stages applies the same function to
 * the 64 items of a list (in place: the list is the stage's to keep) and each link carries one list per 64
 * items. Right after an iterable source the batch is fused with it (the source's thread fills the lists),
 * so in {@code batched} no item crosses a link on its own. {@code batchedUnfused} is the same pipeline with
 * the batch as a stage of its own (its source is a generator, which is never fused): source -> batch ->
 * s1..s4 on lists -> sink, where the first link still carries single items. {@code batchedAfterFirstStage}
 * batches later: source -> s1 -> batch -> s2..s4 on lists -> sink, where two links carry single items.
 * The target: batched at least 5x unbatched.
 *
 * <pre>{@code
 * java -jar sluice-bench/target/benchmarks.jar PipelineBatchingBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class PipelineBatchingBenchmark {

    static final int ITEMS = 200_000;

    @Param({"virtual", "platform"})
    public String threads;

    private PipelinePlan unbatched;
    private PipelinePlan batched;
    private PipelinePlan batchedAfterFirstStage;
    private PipelinePlan batchedUnfused;
    private Blackhole bh;

    @Setup
    public void setUp(Blackhole blackhole) {
        this.bh = blackhole;
        List<Integer> items = new ArrayList<>(ITEMS);
        for (int i = 0; i < ITEMS; i++) {
            items.add(i);
        }
        ThreadFactory factory = threads.equals("virtual") ? Thread.ofVirtual().factory()
                : Thread.ofPlatform().daemon(true).factory();
        UnaryOperator<Integer> f = x -> x + 1;
        unbatched = Pipeline.from(items)
                .map("s1", f).map("s2", f).map("s3", f).map("s4", f)
                .to("sink", x -> bh.consume(x))
                .threads(factory);
        UnaryOperator<List<Integer>> each = list -> {
            list.replaceAll(f);
            return list;
        };
        batched = Pipeline.from(items)
                .batch(64, Duration.ofMillis(1))
                .map("s1", each).map("s2", each).map("s3", each).map("s4", each)
                .to("sink", list -> {
                    for (Integer x : list) {
                        bh.consume(x);
                    }
                })
                .threads(factory);
        batchedUnfused = Pipeline.<Integer>generate("source", out -> {
                    for (Integer x : items) {
                        if (!out.emit(x)) {
                            return;
                        }
                    }
                })
                .batch(64, Duration.ofMillis(1))
                .map("s1", each).map("s2", each).map("s3", each).map("s4", each)
                .to("sink", list -> {
                    for (Integer x : list) {
                        bh.consume(x);
                    }
                })
                .threads(factory);
        batchedAfterFirstStage = Pipeline.from(items)
                .map("s1", f)
                .batch(64, Duration.ofMillis(1))
                .map("s2", each).map("s3", each).map("s4", each)
                .to("sink", list -> {
                    for (Integer x : list) {
                        bh.consume(x);
                    }
                })
                .threads(factory);
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void unbatched() throws InterruptedException {
        unbatched.run();
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void batched() throws InterruptedException {
        batched.run();
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void batchedUnfused() throws InterruptedException {
        batchedUnfused.run();
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public void batchedAfterFirstStage() throws InterruptedException {
        batchedAfterFirstStage.run();
    }
}
