package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Context forms of send and receive: already done, cancelled while waiting, deadline. */
@Timeout(10)
class ChannelContextTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    static Context cancelled() {
        CancellableContext c = Context.background().withCancel();
        c.cancel();
        return c;
    }

    @Test
    void anAlreadyCancelledContextFailsAtOnceEvenWhenTheOperationCouldComplete() {
        Channel<Integer> ch = Channel.bounded(2);
        assertThatThrownBy(() -> ch.send(1, cancelled())).isInstanceOf(CancelledException.class);
        assertThat(ch.size()).as("nothing was sent although there was room").isZero();
        ch.trySend(2);
        assertThatThrownBy(() -> ch.receive(cancelled())).isInstanceOf(CancelledException.class);
        assertThat(ch.size()).as("nothing was taken although an item was ready").isEqualTo(1);
        assertThat(ch.stats().sent()).isEqualTo(1);
    }

    @Test
    void anAlreadyExpiredContextFailsAtOnceWithDeadlineExceeded() {
        Channel<Integer> ch = Channel.bounded(2);
        Context expired = Context.background().withTimeout(Duration.ZERO);
        assertThatThrownBy(() -> ch.send(1, expired)).isInstanceOf(DeadlineExceededException.class);
        ch.trySend(2);
        assertThatThrownBy(() -> ch.receive(expired)).isInstanceOf(DeadlineExceededException.class);
        assertThat(ch.tryReceive()).isEqualTo(2);
        assertThat(ch.tryReceive()).isNull();
    }

    static Stream<Arguments> capacitiesAndKinds() {
        return Stream.of(0, 1, 4).flatMap(c -> Stream.of(ThreadKind.values()).map(k -> Arguments.of(c, k)));
    }

    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndKinds")
    void cancelWhileBlockedInSendThrowsCancelledExceptionCausedByTheReasonAndDoesNotSend(int capacity, ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(capacity);
        ChannelBasicsTest.fill(ch);
        CancellableContext ctx = Context.background().withCancel();
        Worker<Void> sender = threads.run(kind, "sender", () -> ch.send(-1, ctx));
        Poll.until("the sender waits", () -> ch.stats().blockedSends() == 1);
        sender.awaitParked();
        IllegalStateException reason = new IllegalStateException("shutting down");
        assertThat(ctx.cancel(reason)).isTrue();
        assertThat(sender.joinFailure()).isInstanceOf(CancelledException.class).hasCause(reason);
        assertThat(ChannelBasicsTest.drain(ch)).doesNotContain(-1).hasSize(capacity);
        assertThat(ch.trySend(1)).as("no ghost waiter").isEqualTo(capacity > 0);
    }

    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndKinds")
    void cancelWhileBlockedInReceiveThrowsCancelledExceptionAndTakesNothing(int capacity, ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(capacity);
        CancellableContext ctx = Context.background().withTimeout(Duration.ofSeconds(30)).withCancel();
        Worker<Integer> receiver = threads.start(kind, "receiver", () -> ch.receive(ctx)).awaitParked();
        ctx.cancel();
        assertThat(receiver.joinFailure()).isInstanceOf(CancelledException.class).hasNoCause();
        assertThat(ch.trySend(1)).isEqualTo(capacity > 0);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void cancellingAnAncestorEndsAnOperationWaitingOnADescendant(ThreadKind kind) {
        Channel<Integer> ch = Channel.rendezvous();
        CancellableContext root = Context.background().withCancel();
        Context child = root.withTimeout(Duration.ofSeconds(30)).withCancel().withTimeout(Duration.ofSeconds(20));
        Worker<Integer> receiver = threads.start(kind, "receiver", () -> ch.receive(child)).awaitParked();
        root.cancel();
        assertThat(receiver.joinFailure()).isInstanceOf(CancelledException.class);
    }

    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndKinds")
    void aDeadlineWhileBlockedInSendThrowsDeadlineExceeded(int capacity, ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(capacity);
        ChannelBasicsTest.fill(ch);
        Worker<Long> sender = threads.start(kind, "sender", () -> {
            long start = System.nanoTime();
            try {
                ch.send(-1, Context.background().withTimeout(Duration.ofMillis(50)));
            } catch (DeadlineExceededException expected) {
                return System.nanoTime() - start;
            }
            throw new AssertionError("send returned although the channel stayed full");
        });
        assertThat(sender.join()).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
        assertThat(ChannelBasicsTest.drain(ch)).doesNotContain(-1);
    }

    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndKinds")
    void aDeadlineWhileBlockedInReceiveThrowsDeadlineExceeded(int capacity, ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(capacity);
        Worker<Long> receiver = threads.start(kind, "receiver", () -> {
            long start = System.nanoTime();
            try {
                Integer x = ch.receive(Context.background().withTimeout(Duration.ofMillis(50)));
                throw new AssertionError("receive returned " + x + " from an empty channel");
            } catch (DeadlineExceededException expected) {
                return System.nanoTime() - start;
            }
        });
        assertThat(receiver.join()).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aContextWithoutDeadlineWaitsUntilAnItemArrives(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.rendezvous();
        try (CancellableContext ctx = Context.background().withCancel()) {
            Worker<Integer> receiver = threads.start(kind, "receiver", () -> ch.receive(ctx)).awaitParked();
            ch.send(5, ctx);
            assertThat(receiver.join()).isEqualTo(5);
        }
    }

    /** Cancels, at random moments, whichever context each worker is waiting on, until stopped. */
    static final class Canceller {
        final AtomicReferenceArray<CancellableContext> current;

        Canceller(int workers) {
            current = new AtomicReferenceArray<>(workers);
        }

        /** A fresh context for worker {@code w}, which the canceller may cancel at any time. */
        CancellableContext next(int w, Context parent) {
            CancellableContext c = parent.withCancel();
            current.set(w, c);
            return c;
        }

        void run(Context stop) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (!stop.isDone()) {
                CancellableContext c = current.get(rnd.nextInt(current.length()));
                if (c != null) {
                    c.cancel();
                }
                LockSupport.parkNanos(rnd.nextLong(1_000, 50_000)); // pacing only, not synchronisation
            }
        }
    }

    /**
     * Receivers are cancelled at random while a producer sends: every item that was sent is received exactly
     * once, by a receiver or by the final drain.
     */
    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndKinds")
    void noItemIsLostOrDuplicatedWhenWaitingReceiversAreCancelled(int capacity, ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        int n = 2_000;
        int receivers = 3;
        CancellableContext stop = Context.background().withCancel();
        Canceller canceller = new Canceller(receivers);
        Worker<Void> chaos = threads.run(kind, "canceller", () -> canceller.run(stop));
        List<Worker<List<Integer>>> rs = new ArrayList<>();
        for (int r = 0; r < receivers; r++) {
            int me = r;
            rs.add(threads.start(kind, "receiver-" + r, () -> {
                List<Integer> got = new ArrayList<>();
                while (!stop.isDone()) {
                    try {
                        got.add(ch.receive(canceller.next(me, stop)));
                    } catch (CancelledException gaveUp) {
                        // expected now and then
                    }
                }
                return got;
            }));
        }
        for (int i = 0; i < n; i++) {
            ch.send(i);
        }
        Poll.until("the receivers took all but a buffer's worth", () -> ch.stats().received() >= n - capacity);
        stop.cancel();
        chaos.join();
        List<Integer> all = new ArrayList<>();
        for (Worker<List<Integer>> r : rs) {
            all.addAll(r.join());
        }
        all.addAll(ChannelBasicsTest.drain(ch));
        assertThat(all).doesNotContainNull().doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, n).boxed().toList());
    }

    /**
     * Senders are cancelled at random while a receiver takes items: an item is received if and only if its
     * send returned normally.
     */
    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndKinds")
    void anItemIsReceivedIfAndOnlyIfItsCancellableSendReturnedNormally(int capacity, ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(capacity);
        int senders = 2;
        int perSender = 1_000;
        CancellableContext stop = Context.background().withCancel();
        Canceller canceller = new Canceller(senders);
        Worker<Void> chaos = threads.run(kind, "canceller", () -> canceller.run(stop));
        List<Worker<Set<Integer>>> ss = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int me = s;
            ss.add(threads.start(kind, "sender-" + s, () -> {
                Set<Integer> delivered = new HashSet<>();
                for (int i = me * perSender; i < (me + 1) * perSender; i++) {
                    try {
                        ch.send(i, canceller.next(me, Context.background()));
                        delivered.add(i);
                    } catch (CancelledException notDelivered) {
                        // expected now and then
                    }
                }
                return delivered;
            }));
        }
        Worker<List<Integer>> receiver = threads.start(kind, "receiver", () -> collectUntilClosed(ch));
        Set<Integer> delivered = new HashSet<>();
        for (Worker<Set<Integer>> s : ss) {
            delivered.addAll(s.join());
        }
        stop.cancel();
        chaos.join();
        ch.close();
        assertDeliveredExactlyOnce(delivered, receiver.join());
    }

    static List<Integer> collectUntilClosed(Channel<Integer> ch) {
        List<Integer> got = new ArrayList<>();
        for (Integer x : ch) {
            got.add(x);
        }
        return got;
    }

    static void assertDeliveredExactlyOnce(Set<Integer> delivered, List<Integer> received) {
        Set<Integer> deliveredButNotReceived = new TreeSet<>(delivered);
        deliveredButNotReceived.removeAll(received);
        Set<Integer> receivedButNotDelivered = new TreeSet<>(received);
        receivedButNotDelivered.removeAll(delivered);
        assertThat(received).doesNotHaveDuplicates();
        assertThat(deliveredButNotReceived).as("sends that returned normally but whose item never arrived").isEmpty();
        assertThat(receivedButNotDelivered).as("items that arrived although their send failed").isEmpty();
    }

    /**
     * As above with short deadlines instead of cancellation: a receive(Context) must never return null, and an
     * item must arrive if and only if its send(item, Context) returned normally.
     */
    @ParameterizedTest(name = "capacity {0}, {1} threads")
    @MethodSource("capacitiesAndKinds")
    void noItemIsLostOrInventedWhenOperationsHitTheirDeadlines(int capacity, ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(capacity);
        int senders = 2;
        int perSender = 500;
        List<Worker<Set<Integer>>> ss = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int base = s * perSender;
            ss.add(threads.start(kind, "sender-" + s, () -> {
                Set<Integer> delivered = new HashSet<>();
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int i = base; i < base + perSender; i++) {
                    try {
                        ch.send(i, Context.background().withTimeout(Duration.ofNanos(rnd.nextLong(1_000, 300_000))));
                        delivered.add(i);
                    } catch (DeadlineExceededException notDelivered) {
                        // expected now and then
                    }
                }
                return delivered;
            }));
        }
        Worker<List<Integer>> receiver = threads.start(kind, "receiver", () -> {
            List<Integer> got = new ArrayList<>();
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (true) {
                try {
                    got.add(ch.receive(Context.background().withTimeout(Duration.ofNanos(rnd.nextLong(1_000, 300_000)))));
                } catch (DeadlineExceededException gaveUp) {
                    // expected now and then
                } catch (ChannelClosedException end) {
                    return got;
                }
            }
        });
        Set<Integer> delivered = new HashSet<>();
        for (Worker<Set<Integer>> s : ss) {
            delivered.addAll(s.join());
        }
        ch.close();
        List<Integer> received = receiver.join();
        assertThat(received).as("receive(Context) returned null").doesNotContainNull();
        assertDeliveredExactlyOnce(delivered, received);
    }

    /**
     * The Context forms must end with a {@link dev.sluice.ContextDoneException} when the deadline passes: never return
     * normally from {@code send} without delivering, never return {@code null} from {@code receive}.
     * Deadlines of a few microseconds make the deadline pass between the "already done?" check and the
     * wait, which is where the library goes wrong.
     *
     * <p>Its own timeout is longer than the class's: the loop is pure CPU on one thread (about 0.65 s of
     * thread CPU time on the 2-core CI machine, nearly all of it the platform-thread spin before a wait
     * that each of the 40,000 operations makes), so its wall time is that CPU time divided by the share of a
     * core the test JVM gets. Measured: 0.65 s alone; 2.4-3.9 s with six extra busy loops (18-26% share,
     * same CPU time); 8.6 s in a Surefire run at load average 25 on 2 cores. The class's 10 s fails below
     * a 6.5% share, which a loaded 2-core machine reaches; 60 s allows a 1% share and still ends a real hang.
     */
    @Test
    @Timeout(60)
    void contextFormsNeverReportSuccessWhenTheDeadlinePasses() throws Exception {
        Channel<Integer> full = Channel.bounded(1);
        full.send(0);
        Channel<Integer> empty = Channel.bounded(1);
        int sendsReturned = 0;
        int receivesReturnedNull = 0;
        for (int i = 0; i < 20_000; i++) {
            long nanos = i % 4_000;
            try {
                full.send(1, Context.background().withTimeout(Duration.ofNanos(nanos)));
                sendsReturned++;
            } catch (DeadlineExceededException expected) {
                // the documented outcome
            }
            try {
                if (empty.receive(Context.background().withTimeout(Duration.ofNanos(nanos))) == null) {
                    receivesReturnedNull++;
                }
            } catch (DeadlineExceededException expected) {
                // the documented outcome
            }
        }
        assertThat(full.size()).isEqualTo(1);
        assertThat(full.stats().sent()).as("nothing beyond the first item was ever sent").isEqualTo(1);
        assertThat(sendsReturned).as("send(item, ctx) calls that returned normally on a full channel").isZero();
        assertThat(receivesReturnedNull).as("receive(ctx) calls that returned null").isZero();
    }
}
