package dev.sluice.bench.flow;

import dev.sluice.channel.Channel;
import dev.sluice.flow.FlowAdapters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Items per second through one producer-to-consumer hop with a bounded buffer of {@code buffer} items,
 * {@value #ITEMS} items per invocation, measured to the terminal signal:
 *
 * <ul>
 *   <li>{@code channel-bare}: a producer virtual thread sends into a sluice channel, the benchmark thread
 *       receives. The floor: what the channel alone costs.</li>
 *   <li>{@code channel-bare-virtual}: the same, received on a virtual thread (as the bridge's drain is),
 *       the benchmark thread only joining it.</li>
 *   <li>{@code channel-to-flux}: the same channel, read through {@link FlowAdapters#toPublisher} and
 *       Reactor's {@code JdkFlowAdapter.flowPublisherToFlux}, consumed by {@code blockLast()}.</li>
 *   <li>{@code flux-to-channel}: {@code Flux.range} on a Reactor single thread, through
 *       {@code JdkFlowAdapter.publisherToFlowPublisher} into {@link FlowAdapters#toSubscriber} feeding a
 *       channel, which the benchmark thread receives from ({@code flux-to-channel-virtual}: a virtual
 *       thread receives, the benchmark thread joins it).</li>
 *   <li>{@code reactor-publishOn}: Reactor's own hop, {@code Flux.range(...).subscribeOn(single)
 *       .publishOn(parallel, buffer)}, consumed by {@code blockLast()}: a bounded queue of {@code buffer}
 *       between two threads, with demand-driven backpressure.</li>
 *   <li>{@code reactor-create-buffer}: a producer pushing into {@code Flux.create(sink, BUFFER)} on a
 *       single thread, then {@code publishOn(parallel, buffer)}. Create's BUFFER queue is unbounded (the
 *       producer never waits), so this is the push-style pipeline people write, not a bounded one. Adding
 *       {@code onBackpressureBuffer(buffer)} makes it fail with {@code OverflowException} as soon as the
 *       producer gets {@code buffer} items ahead (it requests unbounded upstream), so it cannot be measured
 *       as a throughput pipeline.</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar sluice-bench/target/benchmarks.jar FlowBridgeBenchmark -f 1 -wi 3 -i 5
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FlowBridgeBenchmark {

    static final int ITEMS = 100_000;

    @Param({"channel-bare", "channel-bare-virtual", "channel-to-flux", "flux-to-channel", "flux-to-channel-virtual", "reactor-publishOn", "reactor-create-buffer"})
    public String path;

    @Param({"256"})
    public int buffer;

    private Scheduler single;
    private Scheduler parallel;

    @Setup
    public void setUp() {
        single = Schedulers.newSingle("bench-producer");
        parallel = Schedulers.newParallel("bench-consumer", 1);
    }

    @TearDown
    public void tearDown() {
        single.dispose();
        parallel.dispose();
    }

    @Benchmark
    @OperationsPerInvocation(ITEMS)
    public long transfer() throws InterruptedException {
        return switch (path) {
            case "channel-bare" -> channelBare();
            case "channel-bare-virtual" -> channelBareVirtual();
            case "channel-to-flux" -> channelToFlux();
            case "flux-to-channel" -> fluxToChannel();
            case "flux-to-channel-virtual" -> fluxToChannelVirtual();
            case "reactor-publishOn" -> Flux.range(0, ITEMS).subscribeOn(single).publishOn(parallel, buffer)
                    .count().block();
            case "reactor-create-buffer" -> Flux.<Integer>create(sink -> {
                        for (int i = 0; i < ITEMS; i++) {
                            sink.next(i);
                        }
                        sink.complete();
                    }, FluxSink.OverflowStrategy.BUFFER)
                    .subscribeOn(single).publishOn(parallel, buffer).count().block();
            default -> throw new IllegalArgumentException(path);
        };
    }

    private Channel<Integer> producedChannel() {
        Channel<Integer> ch = Channel.bounded(buffer);
        Thread.ofVirtual().name("bench-producer").start(() -> {
            try {
                for (int i = 0; i < ITEMS; i++) {
                    ch.send(i);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ch.close();
            }
        });
        return ch;
    }

    private long channelBare() {
        long n = 0;
        for (Integer ignored : producedChannel()) {
            n++;
        }
        return check(n);
    }

    private long channelBareVirtual() throws InterruptedException {
        Channel<Integer> ch = producedChannel();
        long[] n = new long[1];
        Thread consumer = Thread.ofVirtual().name("bench-consumer").start(() -> {
            for (Integer ignored : ch) {
                n[0]++;
            }
        });
        consumer.join();
        return check(n[0]);
    }

    private long channelToFlux() {
        Long n = JdkFlowAdapter.flowPublisherToFlux(FlowAdapters.toPublisher(producedChannel())).count().block();
        return check(n);
    }

    private long fluxToChannel() {
        Channel<Integer> ch = Channel.bounded(buffer);
        JdkFlowAdapter.publisherToFlowPublisher(Flux.range(0, ITEMS).subscribeOn(single))
                .subscribe(FlowAdapters.toSubscriber(ch));
        long n = 0;
        for (Integer ignored : ch) {
            n++;
        }
        return check(n);
    }

    private long fluxToChannelVirtual() throws InterruptedException {
        Channel<Integer> ch = Channel.bounded(buffer);
        JdkFlowAdapter.publisherToFlowPublisher(Flux.range(0, ITEMS).subscribeOn(single))
                .subscribe(FlowAdapters.toSubscriber(ch));
        long[] n = new long[1];
        Thread consumer = Thread.ofVirtual().name("bench-consumer").start(() -> {
            for (Integer ignored : ch) {
                n[0]++;
            }
        });
        consumer.join();
        return check(n[0]);
    }

    private static long check(Long n) {
        if (n == null || n != ITEMS) {
            throw new IllegalStateException("expected " + ITEMS + " items, got " + n);
        }
        return n;
    }
}
