package dev.sluice.bench.spill;

import dev.sluice.spill.SpillChannel;
import dev.sluice.spill.SpillSerializer;
import dev.sluice.spill.SpillStats;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Heap use while a million items sit on disk: not a JMH benchmark but a measurement in its own JVM with a
 * small heap. Sends {@code items} items of {@code size} bytes to a spill channel holding 1,000 in memory,
 * samples the heap used after a full GC every tenth of the way, then drains and samples again. A heap
 * that grew with the items on disk would show here (and, at -Xmx64m, end in OutOfMemoryError long before
 * a million 100-byte items, about 112 MB of records, were in).
 *
 * <pre>{@code
 * java -Xmx64m -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.spill.SpillHeapCheck [items] [size]
 * }</pre>
 */
public final class SpillHeapCheck {

    private SpillHeapCheck() { }

    public static void main(String[] args) throws Exception {
        int items = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        long maxHeap = Runtime.getRuntime().maxMemory();
        if (maxHeap > 256L << 20) {
            System.err.println("run with a small heap, e.g. -Xmx64m (max heap now " + (maxHeap >> 20) + " MiB)");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("sluice-spill-heap");
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        System.out.printf("max heap %d MiB, %d items of %d bytes, memoryCapacity 1000, fsync off%n",
                maxHeap >> 20, items, size);
        System.out.printf("%-10s %12s %12s %14s %16s%n", "phase", "items sent", "on disk", "disk MiB", "heap used MiB");
        byte[] item = new byte[size];
        SpillChannel<byte[]> ch = SpillChannel.<byte[]>builder().directory(dir).serializer(SpillSerializer.bytes())
                .memoryCapacity(1000).segmentSize(64L << 20).diskQuota(8L << 30).fsync(false).build();
        try {
            sample(mem, ch, "empty", 0);
            int step = Math.max(1, items / 10);
            for (int i = 1; i <= items; i++) {
                ch.send(item.clone()); // distinct objects, as real items are: the memory part holds 1,000 of them
                if (i % step == 0) {
                    sample(mem, ch, "filling", i);
                }
            }
            for (int i = 1; i <= items; i++) {
                ch.receive();
                if (i % (step * 5) == 0) {
                    sample(mem, ch, "draining", items);
                }
            }
            sample(mem, ch, "drained", items);
        } finally {
            ch.release();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void sample(MemoryMXBean mem, SpillChannel<byte[]> ch, String phase, long sent) {
        System.gc();
        System.gc();
        long used = mem.getHeapMemoryUsage().getUsed();
        SpillStats s = ch.spillStats();
        System.out.printf("%-10s %12d %12d %14.1f %16.1f%n", phase, sent, s.diskItems(), s.diskBytes() / 1048576.0,
                used / 1048576.0);
    }
}
