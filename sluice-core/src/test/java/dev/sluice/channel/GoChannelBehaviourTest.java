package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.CancellableContext;
import dev.sluice.ContextDoneException;
import dev.sluice.Context;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Behaviours that Go's channel tests check (runtime/chan_test.go, test/chan/*.go), re-expressed for sluice,
 * and the backpressure behaviours the guide promises.
 */
@Timeout(10)
class GoChannelBehaviourTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    // ------------------------------------------------------------------ runtime/chan_test.go

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {1, 4, 64})
    void closeThenDrainYieldsEveryBufferedItemThenReportsClosed(int capacity) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        for (int i = 0; i < capacity; i++) {
            ch.send(i);
        }
        ch.close();
        for (int i = 0; i < capacity; i++) {
            assertThat(ch.receive()).isEqualTo(i);
        }
        assertThat(catchThrowable(ch::receive)).isInstanceOf(ChannelClosedException.class);
        assertThat(catchThrowable(ch::receive)).as("and keeps reporting it").isInstanceOf(ChannelClosedException.class);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4, 64})
    void lenAndCapReportBufferedItemsAndCapacity(int capacity) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        assertThat(ch.capacity()).isEqualTo(capacity);
        for (int i = 0; i < capacity; i++) {
            assertThat(ch.size()).isEqualTo(i);
            ch.send(i);
        }
        assertThat(ch.size()).isEqualTo(capacity);
        for (int i = capacity; i > 0; i--) {
            ch.receive();
            assertThat(ch.size()).isEqualTo(i - 1);
        }
        assertThat(ch.capacity()).isEqualTo(capacity);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4})
    void selectWithDefaultNeverBlocksOnAnEmptyOrFullChannel(int capacity) {
        Channel<Integer> ch = Channel.bounded(capacity);
        assertThat(Select.selectOrElse(() -> "default", ch.onReceive(x -> "received"))).isEqualTo("default");
        ChannelBasicsTest.fill(ch);
        assertThat(Select.selectOrElse(() -> "default", ch.onSend(1, () -> "sent"))).isEqualTo("default");
        if (capacity > 0) {
            assertThat(Select.selectOrElse(() -> "default", ch.onReceive(x -> "received"))).isEqualTo("received");
            assertThat(Select.selectOrElse(() -> "default", ch.onSend(1, () -> "sent"))).isEqualTo("sent");
        }
    }

    /** Two ready and two never-ready channels: the never-ready ones are never chosen, the ready ones evenly. */
    @Test
    void selectIsFairBetweenReadyChannelsAndNeverPicksAnUnreadyOne() throws Exception {
        Channel<Integer> c1 = Channel.bounded(1);
        Channel<Integer> c2 = Channel.bounded(1);
        Channel<Integer> never1 = Channel.rendezvous();
        Channel<Integer> never2 = Channel.rendezvous();
        c1.send(1);
        c2.send(2);
        int[] counts = new int[5];
        int trials = 10_000;
        for (int i = 0; i < trials; i++) {
            int k = Select.select(c1.onReceive(x -> 1), never1.onReceive(x -> 3), c2.onReceive(x -> 2),
                    never2.onReceive(x -> 4));
            counts[k]++;
            (k == 1 ? c1 : c2).send(k);
        }
        assertThat(counts[3] + counts[4]).isZero();
        // sd = 50; 500 is 10 sd: never fails by chance, fails at once for a biased choice.
        assertThat(counts[1]).isBetween(4_500, 5_500);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aSendOnARendezvousChannelDoesNotCompleteUntilReceived(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.rendezvous();
        AtomicInteger completed = new AtomicInteger();
        Worker<Void> sender = threads.run(kind, "sender", () -> {
            for (int i = 0; i < 3; i++) {
                ch.send(i);
                completed.incrementAndGet();
            }
        });
        for (int i = 0; i < 3; i++) {
            sender.awaitParked();
            assertThat(completed).as("sends completed before receive #%d", i).hasValue(i);
            assertThat(ch.receive()).isEqualTo(i);
            int expected = i + 1;
            Poll.until("the send of " + i + " completed", () -> completed.get() == expected);
        }
        sender.join();
    }

    /** Go's TestSelfSelect: a select holding both a send and a receive on one channel never pairs with itself. */
    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 10})
    void aSelectNeverPairsItsOwnSendWithItsOwnReceive(int capacity) {
        Channel<Integer> ch = Channel.bounded(capacity);
        List<Worker<Integer>> ws = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            int me = p;
            ws.add(threads.start(ThreadKind.VIRTUAL, "self-select-" + p, () -> {
                int selfReceives = 0;
                for (int i = 0; i < 1_000; i++) {
                    int got = Select.select(ch.onSend(me, () -> -1), ch.onReceive(v -> v));
                    if (capacity == 0 && got == me) {
                        selfReceives++;
                    }
                }
                return selfReceives;
            }));
        }
        for (Worker<Integer> w : ws) {
            assertThat(w.join()).as("receives of its own item").isZero();
        }
    }

    /**
     * Go's TestNonblockRecvRace: a buffered channel holding an item is closed while a non-blocking select
     * receives from it; the select must take the item or see the close, never fall to its default.
     */
    @Test
    void aNonBlockingReceiveRacingCloseNeverTakesTheDefault() throws Exception {
        AtomicInteger defaults = new AtomicInteger();
        for (int round = 0; round < 300; round++) {
            Channel<Integer> ch = Channel.bounded(1);
            ch.send(1);
            Worker<Void> racer = threads.run(ThreadKind.PLATFORM, "racer", () -> {
                try {
                    Select.selectOrElse(() -> defaults.incrementAndGet(), ch.onReceive(x -> 0));
                } catch (ChannelClosedException drainedByMain) {
                    // the main thread took the item first: closed and drained is ready too
                }
            });
            ch.close();
            try {
                ch.tryReceive();
            } catch (ChannelClosedException racerTookIt) {
                // the racer took the item first
            }
            racer.join();
        }
        assertThat(defaults).hasValue(0);
    }

    /** test/chan/doubleselect.go: senders select over three channels; every value arrives exactly once. */
    @Test
    void valuesSentThroughSelectsOverSeveralChannelsArriveExactlyOnce() {
        List<Channel<Integer>> chans = List.of(Channel.rendezvous(), Channel.bounded(1), Channel.rendezvous());
        int senders = 3;
        int perSender = 1_000;
        List<Worker<Void>> ss = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int base = s * perSender;
            ss.add(threads.run(ThreadKind.VIRTUAL, "sender-" + s, () -> {
                for (int i = base; i < base + perSender; i++) {
                    Select.select(chans.get(0).onSend(i, () -> 0), chans.get(1).onSend(i, () -> 1),
                            chans.get(2).onSend(i, () -> 2));
                }
            }));
        }
        List<Worker<List<Integer>>> rs = new ArrayList<>();
        for (Channel<Integer> c : chans) {
            rs.add(threads.start(ThreadKind.VIRTUAL, "receiver-" + c.name(), () -> {
                List<Integer> got = new ArrayList<>();
                for (Integer x : c) {
                    got.add(x);
                }
                return got;
            }));
        }
        ss.forEach(Worker::join);
        chans.forEach(Channel::close);
        List<Integer> all = new ArrayList<>();
        rs.forEach(r -> all.addAll(r.join()));
        assertThat(all).hasSize(senders * perSender);
        assertThat(new HashSet<>(all)).hasSize(senders * perSender);
    }

    /** test/chan/sieve1.go: the concurrent prime sieve, a daisy chain of filters over rendezvous channels. */
    @Test
    void theConcurrentPrimeSieveFindsTheFirstPrimes() throws Exception {
        List<Integer> primes = new ArrayList<>();
        List<Worker<Void>> stages = new ArrayList<>();
        try (CancellableContext ctx = Context.background().withCancel()) {
            Channel<Integer> source = Channel.rendezvous();
            stages.add(threads.run(ThreadKind.VIRTUAL, "generate", () -> {
                try {
                    for (int i = 2; ; i++) {
                        source.send(i, ctx);
                    }
                } catch (ContextDoneException stopped) {
                    // the sieve has what it needs
                }
            }));
            Channel<Integer> in = source;
            for (int n = 0; n < 25; n++) {
                int prime = in.receive(ctx);
                primes.add(prime);
                Channel<Integer> from = in;
                Channel<Integer> to = Channel.rendezvous();
                stages.add(threads.run(ThreadKind.VIRTUAL, "filter-" + prime, () -> {
                    try {
                        while (true) {
                            int x = from.receive(ctx);
                            if (x % prime != 0) {
                                to.send(x, ctx);
                            }
                        }
                    } catch (ContextDoneException stopped) {
                        // the sieve has what it needs
                    }
                }));
                in = to;
            }
        }
        stages.forEach(Worker::join);
        assertThat(primes).containsExactly(2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
                73, 79, 83, 89, 97);
    }

    /** The daisy chain: 2,000 virtual threads each pass a value one step left, adding one. */
    @Test
    void aDaisyChainOfVirtualThreadsPassesAValueThroughEveryLink() throws Exception {
        int links = 2_000;
        Channel<Integer> leftmost = Channel.rendezvous();
        Channel<Integer> right = leftmost;
        List<Worker<Void>> ws = new ArrayList<>();
        for (int i = 0; i < links; i++) {
            Channel<Integer> left = right;
            Channel<Integer> next = Channel.rendezvous();
            ws.add(threads.run(ThreadKind.VIRTUAL, "link-" + i, () -> left.send(1 + next.receive())));
            right = next;
        }
        right.send(1);
        assertThat(leftmost.receive()).isEqualTo(links + 1);
        ws.forEach(Worker::join);
    }

    // ------------------------------------------------------------------ the guide's backpressure behaviours

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aFullChannelBlocksTheSenderUntilAReceiveMakesRoom(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(2);
        ch.send(1);
        ch.send(2);
        Worker<Void> sender = threads.run(kind, "sender", () -> ch.send(3));
        Poll.until("the sender waits", () -> ch.stats().blockedSends() == 1);
        sender.awaitParked();
        assertThat(ch.size()).isEqualTo(2);
        assertThat(ch.receive()).isEqualTo(1);
        sender.join();
        assertThat(ch.size()).isEqualTo(2);
        assertThat(List.of(ch.receive(), ch.receive())).containsExactly(2, 3);
    }

    @Test
    void trySendDropsWhatDoesNotFitAndCountsIt() {
        Channel<Integer> ch = Channel.bounded(3);
        int accepted = 0;
        for (int i = 0; i < 10; i++) {
            if (ch.trySend(i)) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(3);
        assertThat(ch.stats().rejected()).isEqualTo(7);
        assertThat(ChannelBasicsTest.drain(ch)).containsExactly(0, 1, 2);
    }

    /**
     * Capacity 1 and a consumer that took one item and then got stuck: the producer gets exactly two items
     * ahead (one held by the consumer, one buffered) and then waits on the third.
     */
    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aStuckConsumerLetsTheProducerGetAtMostTwoItemsAhead(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        Channel<Boolean> unstick = Channel.rendezvous();
        AtomicLong produced = new AtomicLong();
        Worker<Void> producer = threads.run(kind, "producer", () -> {
            for (int i = 1; i <= 100; i++) {
                ch.send(i);
                produced.incrementAndGet();
            }
            ch.close();
        });
        java.util.concurrent.atomic.AtomicBoolean holding = new java.util.concurrent.atomic.AtomicBoolean();
        Worker<Integer> consumer = threads.start(kind, "consumer", () -> {
            int held = ch.receive();
            holding.set(true);
            unstick.receive(); // stuck on something else
            int sum = held;
            for (Integer x : ch) {
                sum += x;
            }
            return sum;
        });
        // Once the producer is two items in and parked, it can only be waiting for the stuck consumer.
        Poll.until("the producer is parked after at least two sends",
                () -> holding.get() && produced.get() >= 2 && Poll.isParked(producer.thread()));
        consumer.awaitParked();
        assertThat(produced.get()).as("items the producer got ahead of the stuck consumer").isEqualTo(2);
        assertThat(ch.size()).isEqualTo(1);
        assertThat(ch.stats().sent()).as("items accepted: one handed over, one buffered").isEqualTo(2);
        assertThat(ch.stats().highWaterMark()).isEqualTo(1);
        unstick.send(true);
        producer.join();
        assertThat(consumer.join()).isEqualTo(5050);
    }
}
