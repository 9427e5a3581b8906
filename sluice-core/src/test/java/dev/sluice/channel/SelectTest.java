package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.CancellableContext;
import dev.sluice.Context;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Select: readiness, default, timeout, done, send clauses, closed channels, fairness, waking. */
@Timeout(10)
class SelectTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    @Test
    void selectPerformsTheOnlyReadyClause() throws Exception {
        Channel<String> a = Channel.bounded(1);
        Channel<String> b = Channel.bounded(1);
        b.send("b1");
        String r = Select.select(a.onReceive(x -> "a:" + x), b.onReceive(x -> "b:" + x));
        assertThat(r).isEqualTo("b:b1");
        assertThat(b.size()).isZero();
        assertThat(a.stats().received()).isZero();
    }

    @Test
    void selectOrElseRunsTheDefaultWhenNothingIsReadyAndLeavesNoWaiter() {
        Channel<String> empty = Channel.rendezvous();
        Channel<String> full = Channel.bounded(1);
        full.trySend("x");
        long start = System.nanoTime();
        String r = Select.selectOrElse(() -> "default",
                empty.onReceive(x -> "received"),
                full.onSend("y", () -> "sent"),
                Select.onTimeout(Duration.ofSeconds(30), () -> "timeout"),
                Select.onDone(Context.background(), () -> "done"));
        assertThat(r).isEqualTo("default");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(empty.trySend("z")).as("no receiver was left on 'empty'").isFalse();
        assertThat(full.stats().blockedSends()).isZero();
        assertThat(full.tryReceive()).isEqualTo("x");
        assertThat(full.tryReceive()).isNull();
    }

    @Test
    void selectOrElseCountsAZeroTimeoutAsReady() {
        String r = Select.selectOrElse(() -> "default", Select.onTimeout(Duration.ZERO, () -> "timeout"));
        assertThat(r).isEqualTo("timeout");
        assertThat(Select.selectOrElse(() -> "default", Select.onTimeout(Duration.ofMillis(-5), () -> "timeout")))
                .isEqualTo("timeout");
    }

    @Test
    void aTimeoutClauseIsChosenWhenItsDurationPassesAndNothingElseIsReady() throws Exception {
        Channel<String> ch = Channel.rendezvous();
        long start = System.nanoTime();
        String r = Select.select(ch.onReceive(x -> "received"), Select.onTimeout(Duration.ofMillis(40), () -> "timeout"));
        assertThat(r).isEqualTo("timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(40));
        assertThat(ch.trySend("z")).isFalse();
    }

    @Test
    void theEarliestOfSeveralTimeoutsWins() throws Exception {
        String r = Select.select(Select.onTimeout(Duration.ofSeconds(20), () -> "late"),
                Select.onTimeout(Duration.ofMillis(10), () -> "early"));
        assertThat(r).isEqualTo("early");
    }

    @Test
    void aDoneClauseIsChosenAtOnceWhenItsContextIsAlreadyDone() throws Exception {
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        Channel<String> ch = Channel.rendezvous();
        assertThat(Select.select(ch.onReceive(x -> "received"), Select.onDone(ctx, () -> "done"))).isEqualTo("done");
        assertThat(Select.selectOrElse(() -> "default", Select.onDone(ctx, () -> "done"))).isEqualTo("done");
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aDoneClauseIsChosenWhenItsContextIsCancelledWhileTheSelectWaits(ThreadKind kind) {
        CancellableContext ctx = Context.background().withCancel();
        Channel<String> ch = Channel.rendezvous();
        Worker<String> selector = threads.start(kind, "selector",
                () -> Select.select(ch.onReceive(x -> "received"), Select.onDone(ctx, () -> "done"))).awaitParked();
        ctx.cancel();
        assertThat(selector.join()).isEqualTo("done");
        assertThat(ch.trySend("z")).as("no receiver was left behind").isFalse();
    }

    @Test
    void aDoneClauseIsChosenWhenItsContextDeadlinePasses() throws Exception {
        Context ctx = Context.background().withTimeout(Duration.ofMillis(30));
        Channel<String> ch = Channel.rendezvous();
        String r = Select.select(ch.onReceive(x -> "received"), Select.onDone(ctx, () -> "done"));
        assertThat(r).isEqualTo("done");
        assertThat(ctx.isDone()).isTrue();
    }

    @Test
    void aSendClauseSendsWhenThereIsRoomThenRunsItsFunction() throws Exception {
        Channel<String> ch = Channel.bounded(1);
        AtomicInteger sizeSeenByFunction = new AtomicInteger(-1);
        String r = Select.select(ch.onSend("x", () -> {
            sizeSeenByFunction.set(ch.size());
            return "sent";
        }));
        assertThat(r).isEqualTo("sent");
        assertThat(sizeSeenByFunction).as("the function ran after the send").hasValue(1);
        assertThat(ch.tryReceive()).isEqualTo("x");
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aBlockedSendClauseCompletesWhenAReceiverMakesRoom(ThreadKind kind) throws Exception {
        Channel<String> ch = Channel.bounded(1);
        ch.send("first");
        Worker<String> selector = threads.start(kind, "selector", () -> Select.select(ch.onSend("second", () -> "sent")))
                .awaitParked();
        assertThat(ch.receive()).isEqualTo("first");
        assertThat(selector.join()).isEqualTo("sent");
        assertThat(ch.receive()).isEqualTo("second");
    }

    @Test
    void aSendClauseNeverDropsOrRejectsWhateverThePolicy() {
        for (Overflow policy : Overflow.values()) {
            List<String> dropped = new ArrayList<>();
            Channel<String> ch = Channel.<String>builder().capacity(1).overflow(policy).onDrop(dropped::add).build();
            ch.trySend("old");
            String r = Select.selectOrElse(() -> "not ready", ch.onSend("new", () -> "sent"));
            assertThat(r).as(policy.name()).isEqualTo("not ready");
            assertThat(dropped).as(policy.name()).isEmpty();
            assertThat(ch.stats().dropped() + ch.stats().rejected()).as(policy.name()).isZero();
            assertThat(ch.tryReceive()).isEqualTo("old");
        }
    }

    @Test
    void aReceiveClauseOnAClosedDrainedChannelThrowsWithoutCallingItsFunction() {
        Channel<String> ch = Channel.bounded(1);
        ch.close();
        AtomicInteger calls = new AtomicInteger();
        Throwable t = catchThrowable(() -> Select.select(ch.onReceive(x -> calls.incrementAndGet())));
        assertThat(t).isInstanceOf(ChannelClosedException.class);
        assertThat(Select.selectOrElse(() -> -1, Select.onTimeout(Duration.ofSeconds(1), () -> -2))).isEqualTo(-1);
        Throwable t2 = catchThrowable(() -> Select.selectOrElse(() -> -1, ch.onReceive(x -> calls.incrementAndGet())));
        assertThat(t2).as("closed+drained counts as ready, so the default is not taken").isInstanceOf(ChannelClosedException.class);
        assertThat(calls).hasValue(0);
    }

    @Test
    void aReceiveClauseOnAClosedChannelStillDeliversBufferedItems() throws Exception {
        Channel<String> ch = Channel.bounded(2);
        ch.send("last");
        ch.close();
        assertThat(Select.<String>select(ch.onReceive(x -> x))).isEqualTo("last");
    }

    @Test
    void aReceiveClauseOnAFailedChannelThrowsWithTheCause() {
        Channel<String> ch = Channel.bounded(1);
        RuntimeException cause = new RuntimeException("broken");
        ch.fail(cause);
        assertThat(catchThrowable(() -> Select.select(ch.onReceive(x -> x)))).isInstanceOf(ChannelClosedException.class)
                .hasCause(cause);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aWaitingSelectWokenByCloseThrowsWithoutCallingItsFunction(ThreadKind kind) {
        Channel<String> ch = Channel.rendezvous();
        AtomicInteger calls = new AtomicInteger();
        Worker<Integer> selector = threads.start(kind, "selector", () -> Select.select(
                ch.onReceive(x -> calls.incrementAndGet()), ch.onSend("x", calls::incrementAndGet))).awaitParked();
        ch.close();
        assertThat(selector.joinFailure()).isInstanceOf(ChannelClosedException.class);
        assertThat(calls).hasValue(0);
    }

    /**
     * Three always-ready receive clauses, 30,000 selects: each should win a third of the time. The bounds
     * (within 6% of the expectation, and a chi-square with 2 degrees of freedom below 40, p about 2e-9)
     * never fail for a uniform choice but fail at once for "always the first" or a fixed rotation bias.
     */
    @Test
    void theChoiceAmongReadyClausesIsUniformlyRandom() throws Exception {
        int k = 3;
        int trials = 30_000;
        List<Channel<Integer>> chans = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            Channel<Integer> c = Channel.bounded(1);
            c.send(i);
            chans.add(c);
        }
        int[] counts = new int[k];
        for (int t = 0; t < trials; t++) {
            int chosen = Select.select(chans.get(0).onReceive(x -> x), chans.get(1).onReceive(x -> x),
                    chans.get(2).onReceive(x -> x));
            counts[chosen]++;
            chans.get(chosen).send(chosen);
        }
        double expected = (double) trials / k;
        double chiSquare = 0;
        for (int c : counts) {
            chiSquare += (c - expected) * (c - expected) / expected;
        }
        for (int i = 0; i < k; i++) {
            assertThat((double) counts[i]).as("clause %d chosen, counts %s", i, java.util.Arrays.toString(counts))
                    .isBetween(expected * 0.94, expected * 1.06);
        }
        assertThat(chiSquare).as("chi-square of %s", java.util.Arrays.toString(counts)).isLessThan(40.0);
    }

    @Test
    void theChoiceAmongReadySendAndReceiveClausesIsRandomToo() {
        Channel<Integer> in = Channel.bounded(1);
        Channel<Integer> out = Channel.bounded(1);
        int received = 0;
        int trials = 10_000;
        for (int t = 0; t < trials; t++) {
            in.trySend(1);
            boolean wasReceive = Select.selectOrElse(() -> {
                throw new AssertionError("both clauses were ready");
            }, in.onReceive(x -> true), out.onSend(2, () -> false));
            if (wasReceive) {
                received++;
            } else {
                out.tryReceive();
            }
            in.tryReceive();
        }
        assertThat(received).isBetween(4_500, 5_500);
    }

    @Test
    void exactlyOneClauseIsPerformedAndExactlyOneFunctionRuns() throws Exception {
        List<Channel<Integer>> chans = List.of(Channel.bounded(64), Channel.bounded(64), Channel.bounded(64));
        for (Channel<Integer> c : chans) {
            for (int i = 0; i < 64; i++) {
                c.send(i);
            }
        }
        Channel<Integer> out = Channel.bounded(64);
        AtomicInteger calls = new AtomicInteger();
        int[] chosen = new int[5];
        for (int t = 0; t < 60; t++) {
            int clause = Select.select(chans.get(0).onReceive(x -> calls.incrementAndGet() * 0),
                    chans.get(1).onReceive(x -> calls.incrementAndGet() * 0 + 1),
                    chans.get(2).onReceive(x -> calls.incrementAndGet() * 0 + 2),
                    out.onSend(9, () -> calls.incrementAndGet() * 0 + 3),
                    Select.onTimeout(Duration.ZERO, () -> calls.incrementAndGet() * 0 + 4));
            chosen[clause]++;
            assertThat(calls).hasValue(t + 1);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(chans.get(i).stats().received()).as("receives on channel %d", i).isEqualTo(chosen[i]);
        }
        assertThat(out.stats().sent()).isEqualTo(chosen[3]);
    }

    static Stream<Arguments> wakerAndKind() {
        return Stream.of(0, 1).flatMap(w -> Stream.of(ThreadKind.values()).map(k -> Arguments.of(w, k)));
    }

    @ParameterizedTest(name = "woken by channel {0}, {1} threads")
    @MethodSource("wakerAndKind")
    void aSelectWaitingOnTwoChannelsIsWokenByEitherAndLeavesNoWaiterOnTheOther(int waker, ThreadKind kind)
            throws Exception {
        List<Channel<String>> chans = List.of(Channel.rendezvous(), Channel.rendezvous());
        Worker<String> selector = threads.start(kind, "selector", () -> Select.select(
                chans.get(0).onReceive(x -> "0:" + x), chans.get(1).onReceive(x -> "1:" + x))).awaitParked();
        chans.get(waker).send("hi");
        assertThat(selector.join()).isEqualTo(waker + ":hi");
        assertThat(chans.get(1 - waker).trySend("late")).as("the losing clause's waiter was removed").isFalse();
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aSelectOnARendezvousChannelPairsWithAPlainSender(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.rendezvous();
        Worker<Integer> selector = threads.start(kind, "selector", () -> Select.select(ch.onReceive(x -> x * 10)))
                .awaitParked();
        ch.send(4);
        assertThat(selector.join()).isEqualTo(40);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aSelectSendingOnARendezvousChannelPairsWithAPlainReceiver(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.rendezvous();
        Worker<String> selector = threads.start(kind, "selector", () -> Select.select(ch.onSend(4, () -> "sent")))
                .awaitParked();
        assertThat(ch.receive()).isEqualTo(4);
        assertThat(selector.join()).isEqualTo("sent");
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void twoSelectsFacingEachOtherOnARendezvousChannelComplete(ThreadKind kind) {
        Channel<Integer> ch = Channel.rendezvous();
        int n = 1_000;
        Worker<Void> sender = threads.run(kind, "select-sender", () -> {
            for (int i = 0; i < n; i++) {
                int item = i;
                Select.select(ch.onSend(item, () -> item));
            }
        });
        Worker<List<Integer>> receiver = threads.start(kind, "select-receiver", () -> {
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                got.add(Select.<Integer>select(ch.onReceive(x -> x)));
            }
            return got;
        });
        sender.join();
        assertThat(receiver.join()).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    }

    @Test
    void theSameChannelInTwoClausesIsPerformedOnce() throws Exception {
        Channel<Integer> ch = Channel.rendezvous();
        AtomicInteger calls = new AtomicInteger();
        Worker<Integer> selector = threads.start(ThreadKind.VIRTUAL, "selector", () -> Select.select(
                ch.onReceive(x -> calls.incrementAndGet()), ch.onReceive(x -> calls.incrementAndGet()))).awaitParked();
        ch.send(1);
        assertThat(selector.join()).isEqualTo(1);
        assertThat(calls).hasValue(1);
        assertThat(ch.trySend(2)).as("neither clause left a waiter").isFalse();
    }

    @Test
    void aClauseCanBeReusedInSeveralSelects() throws Exception {
        Channel<Integer> ch = Channel.bounded(4);
        Clause<Integer> take = ch.onReceive(x -> x);
        ch.send(1);
        ch.send(2);
        assertThat(Select.select(take)).isEqualTo(1);
        assertThat(Select.select(take)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aWaitingSelectIsCountedAsABlockedSendOnlyOnItsSendChannels(ThreadKind kind) {
        Channel<Integer> out = Channel.bounded(1);
        out.trySend(0);
        Channel<Integer> in = Channel.rendezvous();
        Worker<String> selector = threads.start(kind, "selector",
                () -> Select.select(out.onSend(1, () -> "sent"), in.onReceive(x -> "received"))).awaitParked();
        Poll.until("select registered", () -> out.stats().blockedSends() == 1);
        assertThat(in.stats().blockedSends()).isZero();
        assertThat(in.trySend(5)).isTrue();
        assertThat(selector.join()).isEqualTo("received");
    }

    @Test
    void theChosenFunctionRunsOutsideEveryChannelLock() throws Exception {
        Channel<Integer> a = Channel.bounded(1);
        Channel<Integer> b = Channel.rendezvous();
        a.send(1);
        int sizeSeen = Select.select(a.onReceive(x -> {
            // Another thread can use both channels while the function runs: no lock is held.
            Worker<Integer> probe = threads.start(ThreadKind.PLATFORM, "probe", () -> {
                b.trySend(0);
                return a.size();
            });
            return probe.join();
        }), b.onReceive(x -> -1));
        assertThat(sizeSeen).isZero();
    }

    /**
     * ChannelStats documents blockedNanos as the total time senders spent waiting, and a select send clause
     * that waits is counted in blockedSends; its waiting time should then be in blockedNanos too.
     */
    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aWaitingSelectSendAddsItsWaitToBlockedNanos(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        ch.send(0);
        Worker<String> selector = threads.start(kind, "selector", () -> Select.select(ch.onSend(1, () -> "sent")))
                .awaitParked();
        long parkedAt = System.nanoTime();
        Poll.until("a measurable wait", () -> System.nanoTime() - parkedAt > 2_000_000L);
        assertThat(ch.receive()).isZero();
        assertThat(selector.join()).isEqualTo("sent");
        ChannelStats st = ch.stats();
        assertThat(st.blockedSends()).isEqualTo(1);
        assertThat(st.blockedNanos()).isGreaterThanOrEqualTo(2_000_000L);
    }
}
