package dev.sluice.bench.flow;

import dev.sluice.pubsub.Broadcaster;
import dev.sluice.pubsub.SlowSubscriberPolicy;
import dev.sluice.pubsub.Subscription;
import java.util.ArrayList;
import java.util.List;
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

/**
 * Publishes per second on one thread to {@code subscribers} subscribers: each invocation publishes
 * {@value #BATCH} messages (every subscriber buffer has room for them) and then empties every buffer with
 * {@code tryReceive}, so one operation is one publish plus one receive per subscriber, with no thread
 * hand-off. {@code policy} DROP_OLDEST with a full buffer measures the evicting path instead.
 *
 * <pre>{@code
 * java -jar sluice-bench/target/benchmarks.jar BroadcasterBenchmark -f 1 -wi 3 -i 5
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BroadcasterBenchmark {

    static final int BATCH = 1_000;

    @Param({"1", "4"})
    public int subscribers;

    @Param({"publish-and-drain", "publish-into-full-drop-oldest"})
    public String shape;

    private Broadcaster<Integer> broadcaster;
    private final List<Subscription<Integer>> subs = new ArrayList<>();

    @Setup
    public void setUp() {
        broadcaster = Broadcaster.<Integer>builder().build();
        SlowSubscriberPolicy policy = shape.equals("publish-and-drain") ? SlowSubscriberPolicy.DISCONNECT : SlowSubscriberPolicy.DROP_OLDEST;
        for (int i = 0; i < subscribers; i++) {
            subs.add(broadcaster.subscribe("s" + i, 1024, policy));
        }
        if (!shape.equals("publish-and-drain")) {
            for (int i = 0; i < 1024; i++) {
                broadcaster.publish(i);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long publish() {
        long took = 0;
        Integer m = 7;
        for (int i = 0; i < BATCH; i++) {
            took += broadcaster.publish(m);
        }
        if (shape.equals("publish-and-drain")) {
            for (Subscription<Integer> s : subs) {
                while (s.tryReceive() != null) {
                    took--;
                }
            }
        }
        return took;
    }
}
