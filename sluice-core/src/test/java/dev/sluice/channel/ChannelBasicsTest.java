package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Context;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** FIFO order, the four forms of send and receive, blocking and the counters, over a capacity matrix. */
@Timeout(10)
class ChannelBasicsTest {

    static final int[] CAPACITIES = {0, 1, 4, 64};

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    static Stream<Arguments> capacitiesAndThreadKinds() {
        return IntStream.of(CAPACITIES).boxed()
                .flatMap(c -> Stream.of(ThreadKind.values()).map(k -> Arguments.of(c, k)));
    }

    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndThreadKinds")
    void itemsAreReceivedInTheOrderTheyWereSent(int capacity, ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(capacity);
        int n = 500;
        Worker<Void> producer = threads.run(kind, "producer", () -> {
            for (int i = 0; i < n; i++) {
                ch.send(i);
            }
        });
        Worker<List<Integer>> consumer = threads.start(kind, "consumer", () -> {
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                got.add(ch.receive());
            }
            return got;
        });
        producer.join();
        assertThat(consumer.join()).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
        ChannelStats st = ch.stats();
        assertThat(st.sent()).isEqualTo(n);
        assertThat(st.received()).isEqualTo(n);
        assertThat(st.size()).isZero();
        assertThat(st.highWaterMark()).isLessThanOrEqualTo(capacity);
    }

    /**
     * Producer and consumer cycle through every form; the cycles are offset so that the two never-waiting
     * forms never meet (on a rendezvous channel two non-waiting sides can never pair).
     */
    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndThreadKinds")
    void everySendFormReachesEveryReceiveFormInOrder(int capacity, ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(capacity);
        int n = 400;
        Duration patience = Duration.ofSeconds(5);
        Worker<Void> producer = threads.run(kind, "producer", () -> {
            for (int i = 0; i < n; i++) {
                switch (i % 4) {
                    case 0 -> ch.send(i);
                    case 1 -> assertThat(ch.send(i, patience)).isTrue();
                    case 2 -> ch.send(i, Context.background().withTimeout(patience));
                    default -> {
                        while (!ch.trySend(i)) {
                            Thread.yield();
                        }
                    }
                }
            }
        });
        Worker<List<Integer>> consumer = threads.start(kind, "consumer", () -> {
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Integer x;
                switch ((i + 1) % 4) {
                    case 0 -> x = ch.receive();
                    case 1 -> x = ch.receive(patience);
                    case 2 -> x = ch.receive(Context.background().withTimeout(patience));
                    default -> {
                        while ((x = ch.tryReceive()) == null) {
                            Thread.yield();
                        }
                    }
                }
                got.add(x);
            }
            return got;
        });
        producer.join();
        assertThat(consumer.join()).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4, 64})
    void trySendFailsOnlyWhenFullAndTryReceiveReturnsNullOnlyWhenEmpty(int capacity) {
        Channel<Integer> ch = Channel.bounded(capacity);
        assertThat(ch.tryReceive()).isNull();
        for (int i = 0; i < capacity; i++) {
            assertThat(ch.trySend(i)).as("trySend #%d", i).isTrue();
            assertThat(ch.size()).isEqualTo(i + 1);
        }
        assertThat(ch.trySend(-1)).isFalse();
        assertThat(ch.size()).isEqualTo(capacity);
        for (int i = 0; i < capacity; i++) {
            assertThat(ch.tryReceive()).isEqualTo(i);
        }
        assertThat(ch.tryReceive()).isNull();
        assertThat(ch.stats().rejected()).isEqualTo(1);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4, 64})
    void timedSendOnAFullChannelReturnsFalseAfterTheTimeoutAndDoesNotEnqueue(int capacity) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        fill(ch);
        long start = System.nanoTime();
        assertThat(ch.send(-1, Duration.ofMillis(30))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(30));
        assertThat(drain(ch)).doesNotContain(-1).hasSize(capacity);
        assertThat(ch.stats().rejected()).as("a timed send that timed out counts as rejected").isEqualTo(1);
        assertThat(ch.stats().blockedSends()).isEqualTo(1);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4, 64})
    void timedReceiveOnAnEmptyChannelReturnsNullAfterTheTimeout(int capacity) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        long start = System.nanoTime();
        assertThat(ch.receive(Duration.ofMillis(30))).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(30));
        assertThat(ch.receive(Duration.ZERO)).isNull();
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {1, 4, 64})
    void zeroTimeoutFormsStillCompleteWhenNoWaitIsNeeded(int capacity) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        assertThat(ch.send(7, Duration.ZERO)).isTrue();
        assertThat(ch.receive(Duration.ZERO)).isEqualTo(7);
    }

    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndThreadKinds")
    void sendBlocksWhenFullAndResumesAfterReceive(int capacity, ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        fill(ch);
        Worker<Void> sender = threads.run(kind, "sender", () -> ch.send(-1));
        Poll.until("the sender is counted as blocked", () -> ch.stats().blockedSends() == 1);
        sender.awaitParked();
        assertThat(sender.isAlive()).isTrue();
        assertThat(ch.size()).isEqualTo(capacity);

        Integer first = ch.receive();
        sender.join();
        List<Integer> rest = drain(ch);
        List<Integer> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        List<Integer> expected = new ArrayList<>(IntStream.range(0, capacity).boxed().toList());
        expected.add(-1);
        assertThat(all).containsExactlyElementsOf(expected);
        assertThat(ch.stats().blockedNanos()).isPositive();
    }

    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndThreadKinds")
    void receiveBlocksWhenEmptyAndResumesAfterSend(int capacity, ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        Worker<Integer> receiver = threads.start(kind, "receiver", ch::receive);
        receiver.awaitParked();
        assertThat(receiver.isAlive()).isTrue();
        ch.send(42);
        assertThat(receiver.join()).isEqualTo(42);
        assertThat(ch.size()).isZero();
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void waitingSendersAreServedFirstInFirstOut(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        ch.send(0);
        List<Worker<Void>> senders = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            int item = i;
            senders.add(threads.run(kind, "sender-" + i, () -> ch.send(item)));
            Poll.until("sender " + i + " is queued", () -> ch.stats().blockedSends() == item);
        }
        assertThat(List.of(ch.receive(), ch.receive(), ch.receive(), ch.receive())).containsExactly(0, 1, 2, 3);
        senders.forEach(Worker::join);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void waitingReceiversAreServedFirstInFirstOut(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(4);
        List<Worker<Integer>> receivers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Worker<Integer> r = threads.start(kind, "receiver-" + i, ch::receive);
            r.awaitParked();
            receivers.add(r);
        }
        for (int i = 0; i < 3; i++) {
            ch.send(i);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(receivers.get(i).join()).as("receiver %d", i).isEqualTo(i);
        }
    }

    static Stream<ThreadKind> threadKinds() {
        return Stream.of(ThreadKind.values());
    }

    // ------------------------------------------------------------------ rendezvous

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("threadKinds")
    void rendezvousSendCompletesOnlyWhenAReceiverTakesTheItem(ThreadKind kind) throws Exception {
        Channel<String> ch = Channel.rendezvous();
        Worker<Long> sender = threads.start(kind, "sender", () -> {
            ch.send("x");
            return System.nanoTime();
        });
        sender.awaitParked();
        assertThat(sender.isAlive()).as("the send waits while nobody receives").isTrue();
        assertThat(ch.size()).isZero();
        long beforeReceive = System.nanoTime();
        assertThat(ch.receive()).isEqualTo("x");
        assertThat(sender.join()).as("the send returned after the receive began").isGreaterThan(beforeReceive);
    }

    @Test
    void rendezvousTrySendFailsWhenNoReceiverIsWaiting() {
        Channel<String> ch = Channel.rendezvous();
        assertThat(ch.trySend("x")).isFalse();
        assertThat(ch.tryReceive()).isNull();
        assertThat(ch.capacity()).isZero();
        assertThat(ch.stats().sent()).isZero();
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("threadKinds")
    void rendezvousTrySendHandsTheItemToAWaitingReceiver(ThreadKind kind) {
        Channel<String> ch = Channel.rendezvous();
        Worker<String> receiver = threads.start(kind, "receiver", ch::receive);
        receiver.awaitParked();
        assertThat(ch.trySend("x")).isTrue();
        assertThat(receiver.join()).isEqualTo("x");
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("threadKinds")
    void rendezvousTryReceiveTakesTheItemOfAWaitingSender(ThreadKind kind) {
        Channel<String> ch = Channel.rendezvous();
        Worker<Void> sender = threads.run(kind, "sender", () -> ch.send("x"));
        Poll.until("the sender waits", () -> ch.stats().blockedSends() == 1);
        assertThat(ch.tryReceive()).isEqualTo("x");
        sender.join();
    }

    // ------------------------------------------------------------------ stats, size, name

    @Test
    void statsCountersAddUpAfterAMixedWorkload() throws Exception {
        Channel<Integer> ch = Channel.<Integer>builder().capacity(4).name("mixed").build();
        for (int i = 0; i < 4; i++) {
            ch.send(i);
        }
        assertThat(ch.trySend(99)).isFalse();                         // rejected 1
        assertThat(ch.send(98, Duration.ofMillis(5))).isFalse();      // rejected 2, blocked 1
        assertThat(ch.receive()).isEqualTo(0);
        assertThat(ch.receive()).isEqualTo(1);
        ChannelStats st = ch.stats();
        assertThat(st.sent()).isEqualTo(4);
        assertThat(st.received()).isEqualTo(2);
        assertThat(st.dropped()).isZero();
        assertThat(st.rejected()).isEqualTo(2);
        assertThat(st.blockedSends()).isEqualTo(1);
        // Positive, but not necessarily the full 5 ms: the timeout runs from the call, the wait is counted
        // from when the sender parks, and a loaded machine can deschedule the thread in between.
        assertThat(st.blockedNanos()).isPositive().isLessThan(Duration.ofSeconds(5).toNanos());
        assertThat(st.size()).isEqualTo(2).isEqualTo(ch.size());
        assertThat(st.capacity()).isEqualTo(4).isEqualTo(ch.capacity());
        assertThat(st.highWaterMark()).isEqualTo(4);
        assertThat(st.sent() - st.received()).as("sent - received = buffered").isEqualTo(st.size());
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("threadKinds")
    void blockedSendIsCountedWithItsWaitingTime(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        ch.send(1);
        Worker<Void> sender = threads.run(kind, "sender", () -> ch.send(2));
        sender.awaitParked();
        long parkedAt = System.nanoTime();
        Poll.until("a measurable wait", () -> System.nanoTime() - parkedAt > 1_000_000L);
        ch.receive();
        sender.join();
        ChannelStats st = ch.stats();
        assertThat(st.blockedSends()).isEqualTo(1);
        assertThat(st.blockedNanos()).isGreaterThanOrEqualTo(1_000_000L);
        assertThat(st.sent()).isEqualTo(2);
        assertThat(st.highWaterMark()).isEqualTo(1);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {1, 4, 64})
    void sizeAndHighWaterMarkFollowTheBuffer(int capacity) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        for (int i = 0; i < capacity; i++) {
            ch.send(i);
            assertThat(ch.size()).isEqualTo(i + 1);
        }
        ch.receive();
        assertThat(ch.size()).isEqualTo(capacity - 1);
        assertThat(ch.stats().highWaterMark()).isEqualTo(capacity);
    }

    @Test
    void aNamedChannelReportsItsNameInStatsMessagesAndToString() {
        Channel<Integer> ch = Channel.<Integer>builder().capacity(0).name("orders").build();
        assertThat(ch.name()).isEqualTo("orders");
        assertThat(ch.toString()).contains("orders");
        ch.close();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ch.trySend(1))).hasMessageContaining("orders");
    }

    @Test
    void unnamedChannelsGetDistinctGeneratedNames() {
        String a = Channel.bounded(1).name();
        String b = Channel.bounded(1).name();
        assertThat(a).isNotBlank().isNotEqualTo(b);
    }

    @Test
    void aBuilderMakesANewChannelOnEachBuild() {
        ChannelBuilder<Integer> b = Channel.<Integer>builder().capacity(2);
        Channel<Integer> one = b.build();
        Channel<Integer> two = b.build();
        assertThat(one).isNotSameAs(two);
        assertThat(one.trySend(1)).isTrue();
        assertThat(two.size()).isZero();
    }

    @Test
    void theLargestCapacityIsAccepted() {
        Channel<Integer> ch = Channel.bounded(Channel.MAX_CAPACITY);
        assertThat(ch.capacity()).isEqualTo(1_000_000);
    }

    static void fill(Channel<Integer> ch) {
        for (int i = 0; i < ch.capacity(); i++) {
            assertThat(ch.trySend(i)).isTrue();
        }
    }

    static List<Integer> drain(Channel<Integer> ch) {
        List<Integer> out = new ArrayList<>();
        for (Integer x; (x = ch.tryReceive()) != null; ) {
            out.add(x);
        }
        return out;
    }
}
