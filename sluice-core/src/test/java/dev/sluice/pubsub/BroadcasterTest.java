package dev.sluice.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.ThreadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(30)
class BroadcasterTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    private static <T> List<T> drain(Subscription<T> s) {
        List<T> out = new ArrayList<>();
        for (T m; (m = s.tryReceive()) != null; ) {
            out.add(m);
        }
        return out;
    }

    @Test
    void publishReachesEverySubscriberInOrder() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().name("b").build();
        Subscription<Integer> s1 = b.subscribe("one", 10, SlowSubscriberPolicy.DISCONNECT);
        Subscription<Integer> s2 = b.subscribe("two", 10, SlowSubscriberPolicy.DROP_NEWEST);
        for (int i = 0; i < 5; i++) {
            assertThat(b.publish(i)).isEqualTo(2);
        }
        assertThat(drain(s1)).containsExactly(0, 1, 2, 3, 4);
        assertThat(drain(s2)).containsExactly(0, 1, 2, 3, 4);
        assertThat(b.stats()).isEqualTo(new BroadcasterStats(5, 10, 0, 0, 2, 1024));
        assertThat(s1.subscriberStats()).isEqualTo(new SubscriberStats("one", SubscriptionState.ACTIVE,
                SlowSubscriberPolicy.DISCONNECT, 10, 5, 0, 5, 0));
    }

    @Test
    void publishWithNoSubscriberIsCountedAndGone() {
        Broadcaster<String> b = Broadcaster.<String>builder().build();
        assertThat(b.publish("lost")).isZero();
        Subscription<String> late = b.subscribe();
        assertThat(late.tryReceive()).isNull();
        assertThat(b.stats().published()).isEqualTo(1);
    }

    @Test
    void dropNewestKeepsWhatIsBufferedAndCountsTheRest() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().build();
        Subscription<Integer> s = b.subscribe("s", 3, SlowSubscriberPolicy.DROP_NEWEST);
        for (int i = 0; i < 10; i++) {
            b.publish(i);
        }
        assertThat(drain(s)).containsExactly(0, 1, 2);
        SubscriberStats st = s.subscriberStats();
        assertThat(st.delivered()).isEqualTo(3);
        assertThat(st.dropped()).isEqualTo(7);
        assertThat(b.stats().dropped()).isEqualTo(7);
        assertThat(s.state()).isEqualTo(SubscriptionState.ACTIVE);
        b.publish(10);
        assertThat(drain(s)).containsExactly(10);
    }

    @Test
    void dropOldestKeepsTheNewestAndCountsEvictions() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().build();
        Subscription<Integer> s = b.subscribe("s", 3, SlowSubscriberPolicy.DROP_OLDEST);
        for (int i = 0; i < 10; i++) {
            assertThat(b.publish(i)).isEqualTo(1);
        }
        assertThat(drain(s)).containsExactly(7, 8, 9);
        SubscriberStats st = s.subscriberStats();
        assertThat(st.delivered()).isEqualTo(10);
        assertThat(st.dropped()).isEqualTo(7);
        assertThat(st.received()).isEqualTo(3);
        assertThat(b.stats().dropped()).isEqualTo(7);
    }

    @Test
    void disconnectLetsTheSubscriberDrainThenEndsWithTheReason() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().name("prices").build();
        Subscription<Integer> slow = b.subscribe("slow", 2, SlowSubscriberPolicy.DISCONNECT);
        Subscription<Integer> fast = b.subscribe("fast", 10, SlowSubscriberPolicy.DISCONNECT);
        assertThat(b.publish(1)).isEqualTo(2);
        assertThat(b.publish(2)).isEqualTo(2);
        assertThat(b.publish(3)).isEqualTo(1); // slow is full: disconnected
        assertThat(b.publish(4)).isEqualTo(1);
        assertThat(slow.state()).isEqualTo(SubscriptionState.DISCONNECTED);
        assertThat(b.subscriberCount()).isEqualTo(1);
        assertThat(b.stats().disconnected()).isEqualTo(1);

        List<Integer> got = new ArrayList<>();
        assertThatThrownBy(() -> {
            for (Integer m : slow) {
                got.add(m);
            }
        }).isInstanceOf(ChannelClosedException.class)
                .cause().isInstanceOf(SubscriberDisconnectedException.class)
                .hasMessageContaining("'slow'").hasMessageContaining("'prices'").hasMessageContaining("buffer of 2");
        assertThat(got).containsExactly(1, 2);
        SubscriberDisconnectedException why = slow.disconnection().orElseThrow();
        assertThat(why.subscriber()).isEqualTo("slow");
        assertThat(why.capacity()).isEqualTo(2);
        assertThat(why.delivered()).isEqualTo(2);
        assertThat(slow.subscriberStats().dropped()).isEqualTo(1);
        assertThat(drain(fast)).containsExactly(1, 2, 3, 4);
        assertThat(fast.disconnection()).isEmpty();
    }

    @Test
    void closeLetsSubscribersDrainThenTheirIterationEnds() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().build();
        Subscription<Integer> s = b.subscribe();
        b.publish(1);
        b.publish(2);
        b.close();
        b.close(); // idempotent
        List<Integer> got = new ArrayList<>();
        for (Integer m : s) {
            got.add(m);
        }
        assertThat(got).containsExactly(1, 2);
        assertThat(s.state()).isEqualTo(SubscriptionState.BROADCASTER_CLOSED);
        assertThat(b.isClosed()).isTrue();
        assertThat(b.subscriberCount()).isZero();
    }

    @Test
    void publishAndSubscribeAfterCloseThrowBroadcasterClosedException() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().name("gone").build();
        b.close();
        assertThatThrownBy(() -> b.publish(1)).isInstanceOf(BroadcasterClosedException.class).hasMessageContaining("'gone'");
        assertThatThrownBy(b::subscribe).isInstanceOf(BroadcasterClosedException.class);
        assertThat(b.stats().published()).isZero();
    }

    @Test
    void unsubscribeStopsDeliveryKeepsWhatWasBufferedAndIsIdempotent() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().build();
        Subscription<Integer> s = b.subscribe();
        Subscription<Integer> other = b.subscribe();
        b.publish(1);
        s.unsubscribe();
        s.close();
        assertThat(b.publish(2)).isEqualTo(1);
        assertThat(s.state()).isEqualTo(SubscriptionState.UNSUBSCRIBED);
        assertThat(s.tryReceive()).isEqualTo(1);
        assertThatThrownBy(s::tryReceive).isInstanceOf(ChannelClosedException.class);
        assertThat(drain(other)).containsExactly(1, 2);
    }

    @Test
    void subscriberCapIsEnforcedAndFreedWhenOneLeaves() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().maxSubscribers(2).build();
        Subscription<Integer> a = b.subscribe();
        b.subscribe();
        assertThatThrownBy(b::subscribe).isInstanceOf(TooManySubscribersException.class)
                .isInstanceOf(dev.sluice.BusyException.class).hasMessageContaining("maxSubscribers");
        a.unsubscribe();
        assertThat(b.subscribe()).isNotNull();
        assertThat(b.stats().maxSubscribers()).isEqualTo(2);
    }

    @Test
    void malformedInputIsRefusedClearly() {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().build();
        assertThatThrownBy(() -> b.publish(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.subscribe("x", 0, SlowSubscriberPolicy.DISCONNECT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity");
        assertThatThrownBy(() -> b.subscribe("x", -1, SlowSubscriberPolicy.DISCONNECT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.subscribe("x", 2_000_000, SlowSubscriberPolicy.DISCONNECT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.subscribe(null, 1, SlowSubscriberPolicy.DISCONNECT)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.subscribe("x", 1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Broadcaster.builder().maxSubscribers(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Broadcaster.builder().subscriberCapacity(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Broadcaster.builder().slowSubscriberPolicy(null)).isInstanceOf(NullPointerException.class);
        assertThat(b.subscriberCount()).isZero();
        assertThat(b.stats().published()).isZero();
    }

    @Test
    void aWaitingReceiveEndsOnCancelInterruptAndClose() throws Exception {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().build();
        Subscription<Integer> s = b.subscribe();
        var ctx = Context.background().withCancel();
        var cancelled = threads.start(ThreadKind.VIRTUAL, "cancelled", () -> s.receive(ctx)).awaitParked();
        ctx.cancel();
        assertThat(cancelled.joinFailure()).isInstanceOf(CancelledException.class);

        var interrupted = threads.start(ThreadKind.PLATFORM, "interrupted", () -> s.receive()).awaitParked();
        interrupted.thread().interrupt();
        assertThat(interrupted.joinFailure()).isInstanceOf(InterruptedException.class);

        var closed = threads.start(ThreadKind.VIRTUAL, "closed", () -> s.receive()).awaitParked();
        b.close();
        assertThat(closed.joinFailure()).isInstanceOf(ChannelClosedException.class);
    }

    @Test
    void slowSubscriberIsDisconnectedWhileFastOnesGetEveryMessageInPublisherOrder() throws Exception {
        int publishers = 4;
        int perPublisher = Stress.scaled(5_000);
        int total = publishers * perPublisher;
        Broadcaster<Long> b = Broadcaster.<Long>builder().build();
        // "Fast" subscribers have room for everything, so the policy can never touch them; the slow one
        // receives nothing until the publishers are done, so its 8 slots must overflow.
        Subscription<Long> fast1 = b.subscribe("fast1", total, SlowSubscriberPolicy.DISCONNECT);
        Subscription<Long> fast2 = b.subscribe("fast2", total, SlowSubscriberPolicy.DISCONNECT);
        Subscription<Long> lossy = b.subscribe("lossy", 16, SlowSubscriberPolicy.DROP_OLDEST);
        Subscription<Long> slow = b.subscribe("slow", 8, SlowSubscriberPolicy.DISCONNECT);

        var lossyReader = threads.start(ThreadKind.VIRTUAL, "lossy-reader", () -> {
            long[] last = new long[publishers];
            java.util.Arrays.fill(last, -1);
            long n = 0;
            for (Long m : lossy) {
                int p = (int) (m / perPublisher);
                long seq = m % perPublisher;
                assertThat(seq).as("publisher %d order", p).isGreaterThan(last[p]);
                last[p] = seq;
                n++;
            }
            return n;
        });
        CountDownLatch start = new CountDownLatch(1);
        List<TestThreads.Worker<Object>> pubs = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
            long base = (long) p * perPublisher;
            pubs.add(threads.run(ThreadKind.PLATFORM, "publisher-" + p, () -> {
                start.await();
                for (int i = 0; i < perPublisher; i++) {
                    b.publish(base + i);
                }
            }));
        }
        start.countDown();
        for (var w : pubs) {
            w.join();
        }
        b.close();

        for (Subscription<Long> fast : List.of(fast1, fast2)) {
            long[] next = new long[publishers];
            int n = 0;
            for (Long m : fast) {
                int p = (int) (m / perPublisher);
                assertThat(m % perPublisher).as("%s, publisher %d", fast.name(), p).isEqualTo(next[p]);
                next[p]++;
                n++;
            }
            assertThat(n).isEqualTo(total);
            assertThat(fast.subscriberStats().dropped()).isZero();
        }
        assertThat(slow.state()).isEqualTo(SubscriptionState.DISCONNECTED);
        List<Long> slowGot = new ArrayList<>();
        assertThatThrownBy(() -> slow.forEach(slowGot::add)).isInstanceOf(ChannelClosedException.class)
                .cause().isInstanceOf(SubscriberDisconnectedException.class);
        assertThat(slowGot).hasSize(8);
        long lossyReceived = lossyReader.join();
        SubscriberStats ls = lossy.subscriberStats();
        assertThat(ls.delivered()).isEqualTo(total);
        assertThat(lossyReceived + ls.dropped()).isEqualTo(total);
        BroadcasterStats st = b.stats();
        assertThat(st.published()).isEqualTo(total);
        assertThat(st.disconnected()).isEqualTo(1);
        assertThat(st.delivered()).isEqualTo(3L * total + 8);
    }

    @Test
    void subscribersJoiningAndLeavingDuringPublishingNeverBreakThePublishers() throws Exception {
        Broadcaster<Integer> b = Broadcaster.<Integer>builder().maxSubscribers(8).build();
        int publishes = Stress.scaled(50_000);
        var publisher = threads.run(ThreadKind.PLATFORM, "publisher", () -> {
            for (int i = 0; i < publishes; i++) {
                b.publish(i);
            }
        });
        var churn = threads.run(ThreadKind.PLATFORM, "churn", () -> {
            for (int i = 0; i < 2_000; i++) {
                Subscription<Integer> s = b.subscribe("s" + i, 4, SlowSubscriberPolicy.values()[i % 3]);
                int prev = -1;
                try {
                    for (Integer m; (m = s.tryReceive()) != null; prev = m) {
                        assertThat(m).isGreaterThan(prev);
                    }
                } catch (ChannelClosedException disconnected) {
                    assertThat(s.state()).isEqualTo(SubscriptionState.DISCONNECTED);
                }
                s.unsubscribe();
            }
        });
        publisher.join();
        churn.join();
        assertThat(b.subscriberCount()).isZero();
        assertThat(b.stats().published()).isEqualTo(publishes);
    }
}
