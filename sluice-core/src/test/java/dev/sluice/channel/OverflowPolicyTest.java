package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Context;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What each {@link Overflow} policy does with an item offered to a full channel, as its table says. */
@Timeout(10)
@SuppressWarnings("unchecked")
class OverflowPolicyTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    /** Records what onDrop saw and on which thread. */
    static final class DropLog {
        final List<Integer> items = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());

        void accept(Integer item) {
            items.add(item);
            threads.add(Thread.currentThread());
        }
    }

    static Channel<Integer> full(int capacity, Overflow policy, DropLog log) {
        Channel<Integer> ch = Channel.<Integer>builder().capacity(capacity).overflow(policy).onDrop(log::accept).build();
        for (int i = 0; i < capacity; i++) {
            assertThat(ch.trySend(i)).isTrue();
        }
        return ch;
    }

    static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    // ------------------------------------------------------------------ DROP_NEWEST

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {1, 4, 64})
    void dropNewestDiscardsTheOfferedItemAndHandsItToOnDropOnTheSendingThreadBeforeSendReturns(int capacity)
            throws Exception {
        DropLog log = new DropLog();
        Channel<Integer> ch = full(capacity, Overflow.DROP_NEWEST, log);
        ch.send(-1);
        assertThat(log.items).as("onDrop already ran when send returned").containsExactly(-1);
        assertThat(log.threads).containsExactly(Thread.currentThread());
        assertThat(ch.send(-2, Duration.ofSeconds(5)))
                .as("a timed send does not wait either, and reports the dropped item as not sent").isFalse();
        ch.send(-3, Context.background());
        assertThat(log.items).containsExactly(-1, -2, -3);
        ChannelStats st = ch.stats();
        assertThat(st.dropped()).isEqualTo(3);
        assertThat(st.sent()).isEqualTo(capacity);
        assertThat(st.blockedSends()).isZero();
        assertThat(ChannelBasicsTest.drain(ch)).containsExactlyElementsOf(upTo(capacity));
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4})
    void dropNewestTrySendOnAFullChannelReturnsFalseCountsARejectionAndLeavesTheItemWithTheCaller(int capacity) {
        DropLog log = new DropLog();
        Channel<Integer> ch = full(capacity, Overflow.DROP_NEWEST, log);
        assertThat(ch.trySend(-1)).isFalse();
        assertThat(log.items).isEmpty();
        assertThat(ch.stats().rejected()).isEqualTo(1);
        assertThat(ch.stats().dropped()).isZero();
    }

    @Test
    void dropNewestOnARendezvousChannelDropsWhenNoReceiverIsWaiting() throws Exception {
        DropLog log = new DropLog();
        Channel<Integer> ch = full(0, Overflow.DROP_NEWEST, log);
        ch.send(1);
        assertThat(log.items).containsExactly(1);
        Worker<Integer> receiver = threads.start(ThreadKind.VIRTUAL, "receiver", ch::receive);
        receiver.awaitParked();
        ch.send(2);
        assertThat(receiver.join()).isEqualTo(2);
        assertThat(log.items).containsExactly(1);
    }

    // ------------------------------------------------------------------ DROP_OLDEST

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {1, 4, 64})
    void dropOldestEvictsTheOldestItemToOnDropAndEnqueuesTheNewOne(int capacity) throws Exception {
        DropLog log = new DropLog();
        Channel<Integer> ch = full(capacity, Overflow.DROP_OLDEST, log);
        ch.send(-1);
        assertThat(log.items).containsExactly(0);
        assertThat(log.threads).containsExactly(Thread.currentThread());
        assertThat(ch.trySend(-2)).as("trySend evicts too and reports success").isTrue();
        assertThat(log.items).containsExactly(0, capacity == 1 ? -1 : 1);
        ChannelStats st = ch.stats();
        assertThat(st.dropped()).isEqualTo(2);
        assertThat(st.rejected()).isZero();
        assertThat(st.blockedSends()).isZero();
        assertThat(st.sent()).isEqualTo(capacity + 2);
        List<Integer> expected = new ArrayList<>(upTo(capacity).subList(Math.min(2, capacity), capacity));
        expected.addAll(List.of(-1, -2).subList(capacity == 1 ? 1 : 0, 2));
        assertThat(ChannelBasicsTest.drain(ch)).containsExactlyElementsOf(expected);
        st = ch.stats();
        assertThat(st.sent()).as("sent = received + evicted + buffered").isEqualTo(st.received() + st.dropped() + st.size());
    }

    @Test
    void conflatedChannelKeepsOnlyTheNewestItemAndNeverWaits() throws Exception {
        Channel<Integer> ch = Channel.conflated();
        for (int i = 1; i <= 10; i++) {
            ch.send(i);
        }
        assertThat(ch.trySend(11)).isTrue();
        assertThat(ch.capacity()).isEqualTo(1);
        assertThat(ch.size()).isEqualTo(1);
        assertThat(ch.receive()).isEqualTo(11);
        assertThat(ch.tryReceive()).isNull();
        assertThat(ch.stats().dropped()).isEqualTo(10);
        assertThat(ch.stats().blockedSends()).isZero();
    }

    // ------------------------------------------------------------------ REJECT

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4, 64})
    void rejectThrowsChannelFullExceptionAndTrySendReturnsFalse(int capacity) throws Exception {
        DropLog log = new DropLog();
        Channel<Integer> ch = full(capacity, Overflow.REJECT, log);
        assertThatThrownBy(() -> ch.send(-1))
                .isInstanceOf(ChannelFullException.class)
                .hasMessageContaining(ch.name())
                .hasMessageContaining("full");
        assertThatThrownBy(() -> ch.send(-2, Duration.ofSeconds(5))).isInstanceOf(ChannelFullException.class);
        assertThatThrownBy(() -> ch.send(-3, Context.background())).isInstanceOf(ChannelFullException.class);
        assertThat(ch.trySend(-4)).isFalse();
        ChannelStats st = ch.stats();
        assertThat(st.rejected()).isEqualTo(4);
        assertThat(st.dropped()).isZero();
        assertThat(st.blockedSends()).isZero();
        assertThat(log.items).as("REJECT never calls onDrop").isEmpty();
        assertThat(ChannelBasicsTest.drain(ch)).containsExactlyElementsOf(upTo(capacity));
    }

    // ------------------------------------------------------------------ BLOCK and onDrop failures

    @Test
    void blockTrySendOnAFullChannelCountsARejection() {
        DropLog log = new DropLog();
        Channel<Integer> ch = full(2, Overflow.BLOCK, log);
        assertThat(ch.trySend(-1)).isFalse();
        assertThat(ch.stats().rejected()).isEqualTo(1);
        assertThat(log.items).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Overflow.class, names = {"DROP_NEWEST", "DROP_OLDEST"})
    void anOnDropThatThrowsFailsThatSendAndTheItemStaysCountedAsDropped(Overflow policy) {
        RuntimeException boom = new IllegalStateException("boom");
        Channel<Integer> ch = Channel.<Integer>builder().capacity(1).overflow(policy)
                .onDrop(x -> {
                    throw boom;
                }).build();
        assertThat(ch.trySend(1)).isTrue();
        assertThatThrownBy(() -> ch.send(2)).isSameAs(boom);
        assertThat(ch.stats().dropped()).isEqualTo(1);
        assertThat(ch.tryReceive()).as("the channel still works").isEqualTo(policy == Overflow.DROP_NEWEST ? 1 : 2);
    }

    @ParameterizedTest
    @EnumSource(value = Overflow.class, names = {"DROP_NEWEST", "DROP_OLDEST"})
    void onDropRunsOutsideTheChannelLock(Overflow policy) throws Exception {
        List<Integer> sizeSeenFromAnotherThread = new ArrayList<>();
        Channel<Integer>[] self = new Channel[1];
        self[0] = Channel.<Integer>builder().capacity(1).overflow(policy).onDrop(x -> {
            // If the channel's lock were held here, this other thread could not read the size.
            Worker<Integer> probe = threads.start(ThreadKind.PLATFORM, "probe", () -> self[0].size());
            sizeSeenFromAnotherThread.add(probe.join());
        }).build();
        self[0].send(1);
        self[0].send(2);
        assertThat(sizeSeenFromAnotherThread).containsExactly(1);
    }
}
