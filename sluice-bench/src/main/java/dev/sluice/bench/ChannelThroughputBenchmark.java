package dev.sluice.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Items per second moved from P producer threads to C consumer threads through one channel or queue,
 * for every implementation in {@link ChannelType} on the same threads.
 *
 * <p>Each invocation moves {@value #BATCH} items with blocking put/take, between threads that the
 * benchmark starts itself ({@link #threads} = {@code platform} or {@code virtual}) and keeps for the whole
 * trial; the JMH thread only starts a batch and waits for it (see {@link TransferRig}). The score is
 * items/s ({@code @OperationsPerInvocation}). Every batch checks that the consumers received exactly the
 * items sent.
 *
 * <p>Not all parameter combinations exist (ArrayBlockingQueue and LinkedBlockingQueue need capacity
 * >= 1, SynchronousQueue is capacity 0 only); those fail in setup with a message. {@link BenchmarkReport}
 * only asks for valid ones. To run one case by hand:
 *
 * <pre>{@code
 * java -jar sluice-bench/target/benchmarks.jar ChannelThroughputBenchmark \
 *     -p impl=SLUICE -p capacity=16 -p shape=4x4 -p threads=virtual -f 1 -wi 2 -i 3
 * }</pre>
 *
 * <p>Allocation per item: add {@code -prof gc} and read {@code gc.alloc.rate.norm} (bytes per item, all
 * threads of the JVM); on platform threads the {@code workerAllocatedBytes / itemsMoved} counters give the
 * bytes per item allocated by the producer and consumer threads alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ChannelThroughputBenchmark {

    /** Items moved per invocation; divisible by every producer and consumer count used. */
    public static final int BATCH = 100_000;

    /** The implementation under test. */
    @Param({"SLUICE", "ARRAY_BLOCKING_QUEUE", "LINKED_BLOCKING_QUEUE", "SYNCHRONOUS_QUEUE", "JOX"})
    public ChannelType impl;

    /** Buffer capacity; 0 is a rendezvous. */
    @Param({"0", "1", "16", "1024"})
    public int capacity;

    /** Producers x consumers. */
    @Param({"1x1", "4x4"})
    public String shape;

    /** The kind of thread the producers and consumers run on. */
    @Param({"platform", "virtual"})
    public String threads;

    private TransferRig rig;

    @Setup(Level.Trial)
    public void setUp() {
        String[] pc = shape.split("x");
        if (pc.length != 2) {
            throw new IllegalArgumentException("shape must look like 4x4, was " + shape);
        }
        Thread.Builder builder = switch (threads) {
            case "platform" -> TransferRig.platformThreads();
            case "virtual" -> TransferRig.virtualThreads();
            default -> throw new IllegalArgumentException("threads must be platform or virtual, was " + threads);
        };
        rig = new TransferRig(impl.create(capacity), Integer.parseInt(pc[0]), Integer.parseInt(pc[1]), BATCH, builder);
    }

    /**
     * Per-iteration totals reported next to the score: items moved, and bytes allocated by the producer and
     * consumer threads themselves (platform threads only; stays 0 on virtual threads). Dividing one by the
     * other separates what the transfer allocates from what the harness and JMH allocate.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class WorkerCounters {
        public long itemsMoved;
        public long workerAllocatedBytes;

        @Setup(Level.Iteration)
        public void reset() {
            itemsMoved = 0;
            workerAllocatedBytes = 0;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long transfer(WorkerCounters counters) throws InterruptedException {
        long sum = rig.moveBatch();
        counters.itemsMoved += BATCH;
        long bytes = rig.lastBatchWorkerBytes();
        if (bytes > 0) {
            counters.workerAllocatedBytes += bytes;
        }
        return sum;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        if (rig != null) {
            rig.close();
        }
    }
}
