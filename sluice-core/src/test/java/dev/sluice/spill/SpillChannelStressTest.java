package dev.sluice.spill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.channel.ChannelClosedException;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Several producers and consumers through a channel small enough in memory and on disk that items keep
 * crossing between the two and senders keep blocking on the quota. A ledger checks that every item is
 * received exactly once and that each consumer sees each producer's items in the order they were sent.
 * Sizes grow with {@code SLUICE_STRESS_SCALE}.
 */
@Timeout(120)
class SpillChannelStressTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    @TempDir
    Path dir;

    static double scale() {
        String s = System.getenv("SLUICE_STRESS_SCALE");
        return s == null || s.isBlank() ? 1.0 : Double.parseDouble(s.trim());
    }

    @ParameterizedTest(name = "{0} producers, {1} consumers, memory {2}, fsync {3}, {4} threads")
    @CsvSource({
            "4, 3, 16, false, VIRTUAL",
            "3, 2, 0, false, PLATFORM",
            "2, 2, 8, true, VIRTUAL",
    })
    void everyItemIsReceivedExactlyOnceAndInOrderPerProducer(int producers, int consumers, int memory,
                                                             boolean fsync, ThreadKind kind) throws Exception {
        int perProducer = (int) Math.ceil((fsync ? 1_000 : 15_000) * scale());
        SpillChannel<Long> ch = SpillChannel.<Long>builder().directory(dir).serializer(Spills.longs(8))
                .memoryCapacity(memory).segmentSize(1024).diskQuota(4096).fsync(fsync).build();
        try {
            List<Worker<Void>> senders = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                long id = p;
                senders.add(threads.run(kind, "producer-" + p, () -> {
                    for (long i = 0; i < perProducer; i++) {
                        ch.send(id << 32 | i);
                    }
                }));
            }
            // Consumers start once the producers have filled memory and the quota, so that every run
            // crosses memory, disk and blocked senders.
            dev.sluice.testing.Poll.until("senders wait on the quota", java.time.Duration.ofSeconds(60),
                    () -> ch.spillStats().diskFullWaits() > 0);
            List<Worker<long[][]>> receivers = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                receivers.add(threads.start(kind, "consumer-" + c, () -> {
                    long[] last = new long[producers];
                    java.util.Arrays.fill(last, -1);
                    long[] counts = new long[producers];
                    List<Long> got = new ArrayList<>();
                    try {
                        while (true) {
                            long x = ch.receive();
                            int p = (int) (x >>> 32);
                            long i = x & 0xFFFF_FFFFL;
                            if (i <= last[p]) {
                                throw new AssertionError("producer " + p + ": " + i + " after " + last[p]);
                            }
                            last[p] = i;
                            counts[p]++;
                            got.add(x);
                        }
                    } catch (ChannelClosedException end) {
                        long[] all = new long[got.size()];
                        for (int k = 0; k < all.length; k++) {
                            all[k] = got.get(k);
                        }
                        return new long[][] {counts, all};
                    }
                }));
            }
            // TestThreads.join waits 5 s; a shared 2-core machine may need longer for the whole run.
            dev.sluice.testing.Poll.until("the producers finish: " + ch + " " + ch.stats(), java.time.Duration.ofSeconds(90),
                    () -> senders.stream().noneMatch(Worker::isAlive));
            for (Worker<Void> s : senders) {
                s.join();
            }
            ch.close();
            boolean[][] ledger = new boolean[producers][perProducer];
            long total = 0;
            for (Worker<long[][]> r : receivers) {
                for (long x : r.join()[1]) {
                    int p = (int) (x >>> 32);
                    int i = (int) (x & 0xFFFF_FFFFL);
                    assertThat(ledger[p][i]).as("item %d of producer %d received twice", i, p).isFalse();
                    ledger[p][i] = true;
                    total++;
                }
            }
            assertThat(total).isEqualTo((long) producers * perProducer);
            SpillStats s = ch.spillStats();
            assertThat(s.spilled()).as("items went through the disk").isPositive();
            assertThat(s.diskFullWaits()).as("senders hit the quota").isPositive();
            assertThat(s.corruptRecordsSkipped()).isZero();
            assertThat(s.diskBytes()).isLessThanOrEqualTo(4096);
            assertThat(ch.stats().sent()).isEqualTo(total);
            assertThat(ch.stats().received()).isEqualTo(total);
        } finally {
            ch.release();
        }
    }
}
