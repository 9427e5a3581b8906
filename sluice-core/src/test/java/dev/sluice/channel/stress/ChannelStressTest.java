package dev.sluice.channel.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ChannelStats;
import dev.sluice.channel.Select;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many producers and consumers on virtual threads moving N items through one channel (and, with select,
 * through two): nothing lost, nothing duplicated, and each consumer sees every producer's items in the
 * order that producer sent them. N is {@value StressScale#CI_ITEMS} per capacity at the default
 * {@code SLUICE_STRESS_SCALE=1}; {@code SLUICE_STRESS_SCALE=10} runs the full 10,000,000.
 *
 * <p>An item is the int {@code seq * PRODUCERS + producer}, so a consumer can recover who sent it and in
 * which position; a one-bit-per-item {@link ItemLedger} catches duplicates and, counted at the end, losses.
 */
class ChannelStressTest {

    static final int PRODUCERS = 8;
    static final int CONSUMERS = 8;

    /** What one consumer checks about each item it receives. */
    static final class Receipts {
        private final ItemLedger ledger;
        private final int[] lastSeq = new int[PRODUCERS];
        private final boolean[] ordered;
        private final String who;
        long count;

        Receipts(ItemLedger ledger, boolean[] ordered, String who) {
            this.ledger = ledger;
            this.ordered = ordered;
            this.who = who;
            Arrays.fill(lastSeq, -1);
        }

        void accept(Integer item) {
            int x = item;
            if (x < 0 || x >= ledger.size()) {
                throw new AssertionError(who + " received an item that was never sent: " + x);
            }
            int p = x % PRODUCERS;
            int seq = x / PRODUCERS;
            if (ordered[p]) {
                if (seq <= lastSeq[p]) {
                    throw new AssertionError(who + " received item " + seq + " of producer " + p
                            + " after item " + lastSeq[p] + ": out of order");
                }
                lastSeq[p] = seq;
            }
            if (!ledger.mark(x)) {
                throw new AssertionError(who + " received item " + seq + " of producer " + p + " a second time");
            }
            count++;
        }
    }

    private static void report(String what, int capacity, long n, long nanos) {
        System.out.printf("%s, capacity %d: %,d items in %,d ms = %,.0f items/s%n", what, capacity, n,
                TimeUnit.NANOSECONDS.toMillis(nanos), n * 1e9 / nanos);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 64})
    @Timeout(value = 60, unit = TimeUnit.MINUTES) // backstop; the run's own deadline scales with N
    void everyItemArrivesExactlyOnceAndInEachProducersOrder(int capacity) throws Exception {
        int n = StressScale.items(StressScale.CI_ITEMS, PRODUCERS);
        int perProducer = n / PRODUCERS;
        Channel<Integer> ch = Channel.bounded(capacity);
        ItemLedger ledger = new ItemLedger(n);
        boolean[] ordered = new boolean[PRODUCERS];
        Arrays.fill(ordered, true);
        LongAdder received = new LongAdder();
        CountDownLatch producersDone = new CountDownLatch(PRODUCERS);
        long start = System.nanoTime();
        try (Workers w = new Workers("stress-c" + capacity)) {
            w.onAbort(ch::close);
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                w.startVirtual("producer-" + p, () -> {
                    try {
                        for (int seq = 0; seq < perProducer; seq++) {
                            ch.send(seq * PRODUCERS + producer);
                        }
                    } finally {
                        producersDone.countDown();
                    }
                });
            }
            for (int c = 0; c < CONSUMERS; c++) {
                Receipts r = new Receipts(ledger, ordered, "consumer " + c);
                if (c % 2 == 0) {
                    // Half the consumers iterate: the loop ends when the channel is closed and drained.
                    w.startVirtual("consumer-" + c, () -> {
                        for (Integer x : ch) {
                            r.accept(x);
                        }
                        received.add(r.count);
                    });
                } else {
                    w.startVirtual("consumer-" + c, () -> {
                        while (true) {
                            Integer x;
                            try {
                                x = ch.receive();
                            } catch (ChannelClosedException drained) {
                                break;
                            }
                            r.accept(x);
                        }
                        received.add(r.count);
                    });
                }
            }
            w.startVirtual("closer", () -> {
                producersDone.await();
                ch.close();
            });
            w.finish(StressScale.deadlineFor(n));
        }
        long nanos = System.nanoTime() - start;
        report("8 producers -> 8 consumers", capacity, n, nanos);

        assertThat(received.sum()).as("items received").isEqualTo(n);
        assertThat(ledger.count(0, n)).as("distinct items received").isEqualTo(n);
        ChannelStats stats = ch.stats();
        assertThat(stats.sent()).as("stats.sent").isEqualTo(n);
        assertThat(stats.received()).as("stats.received").isEqualTo(n);
        assertThat(stats.size()).as("stats.size").isZero();
        assertThat(stats.highWaterMark()).as("stats.highWaterMark").isLessThanOrEqualTo(capacity);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 64})
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void selectingConsumersReceiveEveryItemOfTwoChannelsExactlyOnce(int capacity) throws Exception {
        int n = StressScale.items(StressScale.CI_ITEMS, PRODUCERS);
        int perProducer = n / PRODUCERS;
        Channel<Integer> a = Channel.<Integer>builder().capacity(capacity).name("a").build();
        Channel<Integer> b = Channel.<Integer>builder().capacity(capacity).name("b").build();
        ItemLedger ledger = new ItemLedger(n);
        // Producers 0-3 send plainly, each always to the same channel, so their order is checked; 4-7
        // send with a select over both channels, so their items may overtake each other across the two.
        boolean[] ordered = new boolean[PRODUCERS];
        for (int p = 0; p < PRODUCERS; p++) {
            ordered[p] = p < PRODUCERS / 2;
        }
        LongAdder received = new LongAdder();
        LongAdder selectedA = new LongAdder();
        CountDownLatch producersDone = new CountDownLatch(PRODUCERS);
        long start = System.nanoTime();
        try (Workers w = new Workers("stress-select-c" + capacity)) {
            w.onAbort(() -> {
                a.close();
                b.close();
            });
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                Channel<Integer> own = p % 2 == 0 ? a : b;
                w.startVirtual("producer-" + p, () -> {
                    try {
                        long toA = 0;
                        for (int seq = 0; seq < perProducer; seq++) {
                            int x = seq * PRODUCERS + producer;
                            if (ordered[producer]) {
                                own.send(x);
                            } else if (Select.select(a.onSend(x, () -> true), b.onSend(x, () -> false))) {
                                toA++;
                            }
                        }
                        selectedA.add(toA);
                    } finally {
                        producersDone.countDown();
                    }
                });
            }
            for (int c = 0; c < CONSUMERS; c++) {
                Receipts r = new Receipts(ledger, ordered, "consumer " + c);
                w.startVirtual("consumer-" + c, () -> {
                    List<Channel<Integer>> open = new ArrayList<>(List.of(a, b));
                    while (!open.isEmpty()) {
                        Integer x;
                        try {
                            x = open.size() == 2
                                    ? Select.select(a.onReceive(i -> i), b.onReceive(i -> i))
                                    : Select.select(open.get(0).onReceive(i -> i));
                        } catch (ChannelClosedException drained) {
                            // Nothing enters a closed channel, so "closed and empty" stays true once seen.
                            int before = open.size();
                            open.removeIf(ch -> ch.isClosed() && ch.size() == 0);
                            if (open.size() == before) {
                                throw new AssertionError("select threw ChannelClosedException but neither channel"
                                        + " is closed and drained", drained);
                            }
                            continue;
                        }
                        r.accept(x);
                    }
                    received.add(r.count);
                });
            }
            w.startVirtual("closer", () -> {
                producersDone.await();
                a.close();
                b.close();
            });
            w.finish(StressScale.deadlineFor(n));
        }
        long nanos = System.nanoTime() - start;
        report("select over 2 channels, 8 producers -> 8 consumers", capacity, n, nanos);

        assertThat(received.sum()).as("items received").isEqualTo(n);
        assertThat(ledger.count(0, n)).as("distinct items received").isEqualTo(n);
        ChannelStats sa = a.stats();
        ChannelStats sb = b.stats();
        assertThat(sa.sent() + sb.sent()).as("stats.sent of a + b").isEqualTo(n);
        assertThat(sa.received() + sb.received()).as("stats.received of a + b").isEqualTo(n);
        // Plain producers put perProducer items each into their own channel; the selecting ones split theirs.
        assertThat(sa.sent()).as("stats.sent of a").isEqualTo(2L * perProducer + selectedA.sum());
        assertThat(sa.size() + sb.size()).isZero();
    }
}
