package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.CancelledException;
import dev.sluice.channel.ChannelCloseTest.ReceiveForm;
import dev.sluice.channel.ChannelCloseTest.SendForm;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Interrupting a thread that waits in send, receive, select or iteration. */
@Timeout(10)
class ChannelInterruptTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    @AfterEach
    void clearOwnInterrupt() {
        Thread.interrupted();
    }

    static Stream<Arguments> sendCases() {
        return Stream.of(0, 1, 4).flatMap(c -> Stream.of(SendForm.values())
                .flatMap(f -> Stream.of(ThreadKind.values()).map(k -> Arguments.of(c, f, k))));
    }

    @ParameterizedTest(name = "capacity {0}, {1}, {2} threads")
    @MethodSource("sendCases")
    void interruptWhileBlockedInSendThrowsInterruptedExceptionAndTheItemIsNotSent(int capacity, SendForm form,
                                                                                 ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        ChannelBasicsTest.fill(ch);
        Worker<Void> sender = threads.run(kind, "sender", () -> ChannelCloseTest.send(form, ch, -1));
        Poll.until("the sender waits", () -> ch.stats().blockedSends() == 1);
        sender.awaitParked();
        sender.thread().interrupt();
        assertThat(sender.joinFailure()).isInstanceOf(InterruptedException.class);

        assertThat(ChannelBasicsTest.drain(ch)).containsExactlyElementsOf(IntStream.range(0, capacity).boxed().toList());
        assertThat(ch.tryReceive()).as("the interrupted sender left no item behind").isNull();
        assertThat(ch.stats().sent()).isEqualTo(capacity);
        // Its waiter is gone: a later sender is not queued behind a ghost.
        assertThat(ch.trySend(1)).isEqualTo(capacity > 0);
    }

    static Stream<Arguments> receiveCases() {
        return Stream.of(0, 1, 4).flatMap(c -> Stream.of(ReceiveForm.values())
                .flatMap(f -> Stream.of(ThreadKind.values()).map(k -> Arguments.of(c, f, k))));
    }

    @ParameterizedTest(name = "capacity {0}, {1}, {2} threads")
    @MethodSource("receiveCases")
    void interruptWhileBlockedInReceiveThrowsInterruptedExceptionAndNoItemIsTaken(int capacity, ReceiveForm form,
                                                                                ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        Worker<Integer> receiver = threads.start(kind, "receiver", () -> ChannelCloseTest.receive(form, ch)).awaitParked();
        receiver.thread().interrupt();
        assertThat(receiver.joinFailure()).isInstanceOf(InterruptedException.class);

        // The interrupted receiver is no longer queued: an item sent now stays in the channel (or, for a
        // rendezvous channel, finds nobody to take it).
        assertThat(ch.trySend(7)).isEqualTo(capacity > 0);
        assertThat(ch.tryReceive()).isEqualTo(capacity > 0 ? 7 : null);
        assertThat(ch.stats().received()).isEqualTo(capacity > 0 ? 1 : 0);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void interruptWhileBlockedInSelectThrowsInterruptedExceptionAndLeavesNoWaiterBehind(ThreadKind kind) {
        Channel<Integer> in = Channel.rendezvous();
        Channel<Integer> out = Channel.bounded(1);
        out.trySend(0);
        Worker<String> selector = threads.start(kind, "selector", () -> Select.select(
                in.onReceive(x -> "received " + x),
                out.onSend(1, () -> "sent"))).awaitParked();
        selector.thread().interrupt();
        assertThat(selector.joinFailure()).isInstanceOf(InterruptedException.class);

        assertThat(in.trySend(5)).as("no select receiver is left on 'in'").isFalse();
        assertThat(out.tryReceive()).isEqualTo(0);
        assertThat(out.tryReceive()).as("the select's item was not sent").isNull();
    }

    @Test
    void operationsThatNeedNoWaitingCompleteEvenIfTheInterruptFlagIsSet() throws Exception {
        Channel<Integer> ch = Channel.bounded(2);
        Thread.currentThread().interrupt();
        ch.send(1);
        assertThat(ch.send(2, java.time.Duration.ofSeconds(1))).isTrue();
        assertThat(ch.receive()).isEqualTo(1);
        assertThat(Select.<Integer>select(ch.onReceive(x -> x))).isEqualTo(2);
        ch.send(3, dev.sluice.Context.background());
        assertThat(ch.receive(dev.sluice.Context.background())).isEqualTo(3);
        assertThat(Thread.interrupted()).as("the flag is kept").isTrue();
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aRendezvousSendToAWaitingReceiverCompletesEvenIfTheInterruptFlagIsSet(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.rendezvous();
        Worker<Integer> receiver = threads.start(kind, "receiver", ch::receive).awaitParked();
        Thread.currentThread().interrupt();
        ch.send(9);
        assertThat(Thread.interrupted()).isTrue();
        assertThat(receiver.join()).isEqualTo(9);
    }

    @Test
    void anOperationThatMustWaitWithTheInterruptFlagSetThrowsAtOnce() {
        Channel<Integer> ch = Channel.bounded(1);
        ch.trySend(0);
        Thread.currentThread().interrupt();
        assertThat(catchThrowable(() -> ch.send(1))).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        Channel<Integer> empty = Channel.bounded(1);
        assertThat(catchThrowable(empty::receive)).isInstanceOf(InterruptedException.class);
        Thread.currentThread().interrupt();
        assertThat(catchThrowable(() -> Select.select(empty.onReceive(x -> x)))).isInstanceOf(InterruptedException.class);
        assertThat(ch.stats().sent()).isEqualTo(1);
        assertThat(ch.stats().blockedSends()).isZero();
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void interruptDuringIterationThrowsCancelledExceptionWithTheFlagSet(ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(2);
        ch.trySend(1);
        Worker<Boolean> iterating = threads.start(kind, "iterating", () -> {
            int seen = 0;
            try {
                for (Integer ignored : ch) {
                    seen++;
                }
            } catch (CancelledException e) {
                assertThat(seen).isEqualTo(1);
                assertThat(e).hasCauseInstanceOf(InterruptedException.class);
                return Thread.currentThread().isInterrupted();
            }
            throw new AssertionError("iteration ended without an exception");
        });
        iterating.awaitParked();
        iterating.thread().interrupt();
        assertThat(iterating.join()).as("interrupt flag set after the CancelledException").isTrue();
    }
}
