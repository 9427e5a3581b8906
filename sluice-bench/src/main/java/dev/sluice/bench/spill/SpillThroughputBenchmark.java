package dev.sluice.bench.spill;

import dev.sluice.spill.SpillChannel;
import dev.sluice.spill.SpillSerializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Spill throughput: items that go through the disk, written and read back. The channel keeps nothing
 * in memory ({@code memoryCapacity(0)}), so every item is serialized, appended to a segment, read back
 * and checksummed; segments of 64 MiB are deleted as they are consumed. Items are byte arrays of
 * {@code size} bytes (the serializer copies them). MB/s = items/s x size.
 *
 * <ul>
 * <li>{@code oneThread}: one thread sends {@value #BATCH} items, then receives them. With {@code fsync}
 *     on, every send waits for its own {@code fsync}: the device's sync latency bounds this.</li>
 * <li>{@code fourThreads}: four threads each send one item and receive one, on one channel. With
 *     {@code fsync} on, concurrent senders share an {@code fsync} (group commit).</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar sluice-bench/target/benchmarks.jar SpillThroughputBenchmark -f 1 -wi 2 -i 5
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpillThroughputBenchmark {

    static final int BATCH = 100;

    @Param({"100", "1024"})
    public int size;

    @Param({"false", "true"})
    public boolean fsync;

    private Path dir;
    private SpillChannel<byte[]> channel;
    private byte[] item;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("sluice-spill-bench");
        item = new byte[size];
        channel = SpillChannel.<byte[]>builder().directory(dir).serializer(SpillSerializer.bytes())
                .memoryCapacity(0).segmentSize(64L << 20).diskQuota(4L << 30).fsync(fsync).build();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        channel.release();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void oneThread(Blackhole bh) throws InterruptedException {
        for (int i = 0; i < BATCH; i++) {
            channel.send(item);
        }
        for (int i = 0; i < BATCH; i++) {
            bh.consume(channel.receive());
        }
    }

    @Benchmark
    @Threads(4)
    public void fourThreads(Blackhole bh) throws InterruptedException {
        channel.send(item);
        bh.consume(channel.receive());
    }
}
