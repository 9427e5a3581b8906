package dev.sluice.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.ThreadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Behaviour of both adapters beyond what the TCK checks: exact demand, credit, close, fail, cancel. */
@Timeout(30)
class FlowAdaptersTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    /** Records every signal; requests only when told. */
    static class Recorder<T> implements Flow.Subscriber<T> {
        // Synchronized, not copy-on-write: the stress sizes add tens of thousands of items.
        final List<T> items = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicBoolean completed = new AtomicBoolean();
        volatile Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(T item) {
            items.add(item);
        }

        @Override
        public void onError(Throwable t) {
            error.set(t);
            done.countDown();
        }

        @Override
        public void onComplete() {
            completed.set(true);
            done.countDown();
        }

        void awaitDone() throws InterruptedException {
            assertThat(done.await(10, TimeUnit.SECONDS)).as("terminal signal").isTrue();
        }
    }

    private static Channel<Integer> filled(int n) {
        Channel<Integer> ch = Channel.bounded(Math.max(1, n));
        for (int i = 0; i < n; i++) {
            ch.trySend(i);
        }
        return ch;
    }

    // ------------------------------------------------------------------ publisher

    @Test
    void publisherNeverTakesMoreFromTheChannelThanWasRequested() {
        Channel<Integer> ch = filled(10);
        Recorder<Integer> r = new Recorder<>();
        FlowAdapters.toPublisher(ch).subscribe(r);
        r.subscription.request(3);
        Poll.until("3 items", () -> r.items.size() == 3);
        assertThat(ch.size()).isEqualTo(7); // the other items never left the channel
        r.subscription.request(2);
        Poll.until("5 items", () -> r.items.size() == 5);
        assertThat(ch.size()).isEqualTo(5);
        assertThat(r.items).containsExactly(0, 1, 2, 3, 4);
        assertThat(r.done.getCount()).isEqualTo(1);
        r.subscription.cancel();
    }

    @Test
    void channelCloseBecomesOnCompleteAfterTheBufferedItems() throws Exception {
        Channel<Integer> ch = filled(3);
        Recorder<Integer> r = new Recorder<>();
        FlowAdapters.toPublisher(ch).subscribe(r);
        r.subscription.request(Long.MAX_VALUE);
        Poll.until("3 items", () -> r.items.size() == 3);
        ch.close();
        r.awaitDone();
        assertThat(r.completed).isTrue();
        assertThat(r.items).containsExactly(0, 1, 2);
    }

    @Test
    void aClosedEmptyChannelCompletesWithoutAnyRequest() throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        ch.close();
        Recorder<Integer> r = new Recorder<>();
        FlowAdapters.toPublisher(ch).subscribe(r);
        r.awaitDone();
        assertThat(r.completed).isTrue();
    }

    @Test
    void channelFailBecomesOnErrorWithTheCause() throws Exception {
        Channel<Integer> ch = filled(1);
        IllegalStateException boom = new IllegalStateException("boom");
        ch.fail(boom);
        Recorder<Integer> r = new Recorder<>();
        FlowAdapters.toPublisher(ch).subscribe(r);
        r.subscription.request(5);
        r.awaitDone();
        assertThat(r.items).containsExactly(0);
        assertThat(r.error.get()).isSameAs(boom);
    }

    @Test
    void requestOfZeroOrLessSignalsIllegalArgumentException() throws Exception {
        for (long bad : new long[] {0, -1, Long.MIN_VALUE}) {
            Recorder<Integer> r = new Recorder<>();
            FlowAdapters.toPublisher(filled(2)).subscribe(r);
            r.subscription.request(bad);
            r.awaitDone();
            assertThat(r.error.get()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3.9");
        }
    }

    @Test
    void cancelWakesAWaitingDrainAndLeavesTheChannelOpenWithItsItems() throws Exception {
        Channel<Integer> ch = Channel.bounded(4);
        AtomicReference<Thread> drainThread = new AtomicReference<>();
        Recorder<Integer> r = new Recorder<>();
        FlowAdapters.<Integer>toPublisher(ch, task -> drainThread.set(Thread.ofVirtual().start(task))).subscribe(r);
        r.subscription.request(1);
        Poll.until("the drain waits in receive", () -> drainThread.get() != null && Poll.isParked(drainThread.get()));
        r.subscription.cancel();
        assertThat(drainThread.get().join(java.time.Duration.ofSeconds(5))).as("drain thread ended").isTrue();
        ch.trySend(42);
        assertThat(ch.isClosed()).isFalse();
        assertThat(ch.tryReceive()).isEqualTo(42);
        assertThat(r.items).isEmpty();
        assertThat(r.done.getCount()).isEqualTo(1);
    }

    @Test
    void anInterruptedDrainSignalsOnError() throws Exception {
        Channel<Integer> ch = Channel.bounded(4);
        AtomicReference<Thread> drainThread = new AtomicReference<>();
        Recorder<Integer> r = new Recorder<>();
        FlowAdapters.<Integer>toPublisher(ch, task -> drainThread.set(Thread.ofVirtual().start(task))).subscribe(r);
        r.subscription.request(1);
        Poll.until("the drain waits in receive", () -> drainThread.get() != null && Poll.isParked(drainThread.get()));
        drainThread.get().interrupt();
        r.awaitDone();
        assertThat(r.error.get()).isInstanceOf(dev.sluice.CancelledException.class);
    }

    @Test
    void aRefusingExecutorSignalsOnError() throws Exception {
        Recorder<Integer> r = new Recorder<>();
        FlowAdapters.<Integer>toPublisher(filled(1), task -> {
            throw new java.util.concurrent.RejectedExecutionException("full");
        }).subscribe(r);
        r.awaitDone();
        assertThat(r.error.get()).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    @Test
    void competingSubscribersEachGetEveryItemExactlyOnce() throws Exception {
        int n = dev.sluice.pubsub.Stress.scaled(20_000);
        Channel<Integer> ch = Channel.bounded(64);
        var producer = threads.run(ThreadKind.VIRTUAL, "producer", () -> {
            for (int i = 0; i < n; i++) {
                ch.send(i);
            }
            ch.close();
        });
        Flow.Publisher<Integer> pub = FlowAdapters.toPublisher(ch);
        List<Recorder<Integer>> subs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Recorder<Integer> r = new Recorder<>() {
                @Override
                public void onNext(Integer item) {
                    super.onNext(item);
                    subscription.request(1);
                }
            };
            pub.subscribe(r);
            r.subscription.request(1);
            subs.add(r);
        }
        producer.join();
        java.util.Set<Integer> all = new java.util.HashSet<>();
        int total = 0;
        for (Recorder<Integer> r : subs) {
            r.awaitDone();
            assertThat(r.completed).isTrue();
            assertThat(r.items).isSorted();
            all.addAll(r.items);
            total += r.items.size();
        }
        assertThat(total).isEqualTo(n);
        assertThat(all).hasSize(n);
    }

    @Test
    void publisherRefusesANullSubscriber() {
        assertThatThrownBy(() -> FlowAdapters.toPublisher(filled(1)).subscribe(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> FlowAdapters.toPublisher(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> FlowAdapters.toPublisher(filled(1), null)).isInstanceOf(NullPointerException.class);
    }

    // ------------------------------------------------------------------ subscriber

    /** A subscription that records requests and lets the test push items. */
    static final class ManualSubscription implements Flow.Subscription {
        final AtomicLong requested = new AtomicLong();
        final AtomicBoolean cancelled = new AtomicBoolean();

        @Override
        public void request(long n) {
            requested.addAndGet(n);
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }
    }

    @Test
    void subscriberRequestsItsWindowAndThenOnlyWhatItsConsumerFrees() throws Exception {
        Channel<Integer> ch = Channel.bounded(4);
        ChannelSubscriber<Integer> sub = FlowAdapters.toSubscriber(ch);
        ManualSubscription s = new ManualSubscription();
        sub.onSubscribe(s);
        assertThat(s.requested.get()).isEqualTo(4);
        assertThat(sub.window()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            sub.onNext(i); // the channel has room: forwarded at once
        }
        assertThat(ch.size()).isEqualTo(4);
        assertThat(s.requested.get()).isEqualTo(8); // 4 slots freed, returned in batches of 2
        for (int i = 4; i < 8; i++) {
            sub.onNext(i); // the channel is full: they wait in the subscriber's buffer
        }
        assertThat(s.requested.get()).as("no credit while nothing moves").isEqualTo(8);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            got.add(ch.receive());
        }
        assertThat(got).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        Poll.until("credit renewed", () -> s.requested.get() == 12);
        assertThat(sub.forwarded()).isEqualTo(8);
        sub.onComplete();
        assertThat(ch.isClosed()).isTrue();
        Poll.until("done", sub::isDone);
    }

    @Test
    void creditNeverExceedsTheWindowUnderAFastPublisherAndASlowConsumer() throws Exception {
        int window = 8;
        int n = dev.sluice.pubsub.Stress.scaled(20_000);
        Channel<Integer> ch = Channel.bounded(window);
        ChannelSubscriber<Integer> sub = FlowAdapters.toSubscriber(ch, window);
        ManualSubscription s = new ManualSubscription();
        sub.onSubscribe(s);
        var publisher = threads.run(ThreadKind.PLATFORM, "publisher", () -> {
            int sent = 0;
            while (sent < n) {
                long allowed = Math.min(s.requested.get(), n);
                if (sent < allowed) {
                    sub.onNext(sent++);
                    // requested - forwarded: credit outstanding plus what sits in the subscriber's buffer
                    assertThat(s.requested.get() - sub.forwarded()).isLessThanOrEqualTo(window);
                } else {
                    Thread.onSpinWait();
                }
            }
            sub.onComplete();
        });
        int expected = 0;
        for (Integer m : ch) {
            assertThat(m).isEqualTo(expected++);
        }
        publisher.join();
        assertThat(expected).isEqualTo(n);
        assertThat(s.requested.get()).isLessThanOrEqualTo(n + window);
    }

    @Test
    void onErrorFailsTheChannelAfterTheBufferedItems() throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        ChannelSubscriber<Integer> sub = FlowAdapters.toSubscriber(ch, 2);
        sub.onSubscribe(new ManualSubscription());
        sub.onNext(1);
        sub.onNext(2); // waits in the subscriber: the channel is full
        IllegalStateException boom = new IllegalStateException("upstream failed");
        sub.onError(boom);
        assertThat(ch.receive()).isEqualTo(1);
        assertThat(ch.receive()).isEqualTo(2);
        assertThatThrownBy(ch::receive).isInstanceOf(ChannelClosedException.class).cause().isSameAs(boom);
    }

    @Test
    void aPublisherSendingMoreThanRequestedIsCancelledAndTheChannelFailed() {
        Channel<Integer> ch = Channel.bounded(1);
        ChannelSubscriber<Integer> sub = FlowAdapters.toSubscriber(ch, 1);
        ManualSubscription s = new ManualSubscription();
        sub.onSubscribe(s);
        sub.onNext(1); // into the channel
        sub.onNext(2); // into the subscriber's buffer (credit had been renewed)
        sub.onNext(3); // beyond the window
        Poll.until("upstream cancelled", s.cancelled::get);
        assertThat(ch.tryReceive()).isEqualTo(1);
        assertThatThrownBy(ch::tryReceive).isInstanceOf(ChannelClosedException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("rule 1.1");
    }

    @Test
    void cancelStopsTheSubscriptionAndLeavesTheChannelOpen() {
        Channel<Integer> ch = Channel.bounded(1);
        ChannelSubscriber<Integer> sub = FlowAdapters.toSubscriber(ch);
        ManualSubscription s = new ManualSubscription();
        sub.onSubscribe(s);
        sub.cancel();
        assertThat(s.cancelled).isTrue();
        assertThat(ch.isClosed()).isFalse();
        sub.onNext(1); // rule 2.8: may still arrive; discarded
        assertThat(ch.tryReceive()).isNull();
        assertThat(sub.isDone()).isTrue();
    }

    @Test
    void aSecondSubscriptionIsCancelledAndNullsAreRefused() {
        ChannelSubscriber<Integer> sub = FlowAdapters.toSubscriber(Channel.bounded(2));
        ManualSubscription first = new ManualSubscription();
        ManualSubscription second = new ManualSubscription();
        sub.onSubscribe(first);
        sub.onSubscribe(second);
        assertThat(second.cancelled).isTrue();
        assertThat(first.cancelled).isFalse();
        assertThatThrownBy(() -> sub.onSubscribe(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> sub.onNext(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> sub.onError(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> FlowAdapters.toSubscriber(Channel.bounded(2), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowAdapters.toSubscriber(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aChannelClosedByItsOwnerCancelsTheUpstream() {
        Channel<Integer> ch = Channel.bounded(2);
        ChannelSubscriber<Integer> sub = FlowAdapters.toSubscriber(ch);
        ManualSubscription s = new ManualSubscription();
        sub.onSubscribe(s);
        ch.close();
        sub.onNext(1);
        assertThat(s.cancelled).isTrue();
    }

    @Test
    void roundTripThroughTheJdkSubmissionPublisherKeepsEveryItemInOrder() throws Exception {
        int n = dev.sluice.pubsub.Stress.scaled(50_000);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024));
        try (SubmissionPublisher<Integer> jdk = new SubmissionPublisher<>(pool, 32)) {
            Channel<Integer> middle = Channel.bounded(16);
            jdk.subscribe(FlowAdapters.toSubscriber(middle));
            Channel<Integer> out = Channel.bounded(16);
            FlowAdapters.toPublisher(middle).subscribe(FlowAdapters.toSubscriber(out));
            var producer = threads.run(ThreadKind.PLATFORM, "producer", () -> {
                for (int i = 0; i < n; i++) {
                    jdk.submit(i); // blocks while the subscriber's credit is used up
                }
                jdk.close();
            });
            int expected = 0;
            for (Integer m : out) {
                assertThat(m).isEqualTo(expected++);
            }
            producer.join();
            assertThat(expected).isEqualTo(n);
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
