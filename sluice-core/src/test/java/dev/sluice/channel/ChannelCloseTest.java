package dev.sluice.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.Context;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Closing and failing a channel: what stays receivable, what throws, who is woken. */
@Timeout(10)
class ChannelCloseTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    enum SendForm { SEND, TIMED_SEND, CONTEXT_SEND }

    enum ReceiveForm { RECEIVE, TIMED_RECEIVE, CONTEXT_RECEIVE }

    static void send(SendForm form, Channel<Integer> ch, int item) throws InterruptedException {
        switch (form) {
            case SEND -> ch.send(item);
            case TIMED_SEND -> ch.send(item, Duration.ofSeconds(30));
            case CONTEXT_SEND -> ch.send(item, Context.background().withTimeout(Duration.ofSeconds(30)));
        }
    }

    static Integer receive(ReceiveForm form, Channel<Integer> ch) throws InterruptedException {
        return switch (form) {
            case RECEIVE -> ch.receive();
            case TIMED_RECEIVE -> ch.receive(Duration.ofSeconds(30));
            case CONTEXT_RECEIVE -> ch.receive(Context.background().withTimeout(Duration.ofSeconds(30)));
        };
    }

    @Test
    void closeIsIdempotentAndVisibleFromBothSides() {
        Channel<Integer> ch = Channel.bounded(2);
        SendPort<Integer> out = ch;
        ReceivePort<Integer> in = ch;
        assertThat(in.isClosed()).isFalse();
        out.close();
        out.close();
        assertThat(out.isClosed()).isTrue();
        assertThat(in.isClosed()).isTrue();
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {1, 4, 64})
    void bufferedItemsStayReceivableAfterCloseThenEveryReceiveFormThrows(int capacity) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        ChannelBasicsTest.fill(ch);
        ch.close();
        assertThat(ch.size()).isEqualTo(capacity);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            got.add(switch (i % 4) {
                case 0 -> ch.receive();
                case 1 -> ch.tryReceive();
                case 2 -> ch.receive(Duration.ofSeconds(1));
                default -> ch.receive(Context.background());
            });
        }
        assertThat(got).containsExactlyElementsOf(IntStream.range(0, capacity).boxed().toList());
        List<ThrowingCallable> receives = List.of(ch::receive, ch::tryReceive, () -> ch.receive(Duration.ofSeconds(1)),
                () -> ch.receive(Context.background()));
        for (ThrowingCallable r : receives) {
            assertThat(catchThrowable(r))
                    .isInstanceOf(ChannelClosedException.class)
                    .hasMessageContaining(ch.name())
                    .hasNoCause();
        }
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 4})
    void everySendFormThrowsAfterCloseAndNothingIsEnqueued(int capacity) {
        Channel<Integer> ch = Channel.bounded(capacity);
        ch.close();
        List<ThrowingCallable> sends = List.of(() -> ch.send(1), () -> ch.trySend(1),
                () -> ch.send(1, Duration.ofSeconds(1)), () -> ch.send(1, Context.background()),
                () -> Select.select(ch.onSend(1, () -> "sent")),
                () -> Select.selectOrElse(() -> "default", ch.onSend(1, () -> "sent")));
        for (ThrowingCallable s : sends) {
            assertThat(catchThrowable(s)).isInstanceOf(ChannelClosedException.class).hasMessageContaining(ch.name());
        }
        assertThat(ch.stats().sent()).isZero();
        assertThat(ch.size()).isZero();
    }

    static Stream<Arguments> blockedSenderCases() {
        return Stream.of(0, 1, 4).flatMap(c -> Stream.of(SendForm.values())
                .flatMap(f -> Stream.of(ThreadKind.values()).map(k -> Arguments.of(c, f, k))));
    }

    @ParameterizedTest(name = "capacity {0}, {1}, {2} threads")
    @MethodSource("blockedSenderCases")
    void aSenderBlockedAtCloseGetsChannelClosedExceptionAndItsItemIsNotDelivered(int capacity, SendForm form,
                                                                                 ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        ChannelBasicsTest.fill(ch);
        Worker<Void> sender = threads.run(kind, "sender", () -> send(form, ch, -1));
        Poll.until("the sender waits", () -> ch.stats().blockedSends() == 1);
        sender.awaitParked();
        ch.close();
        assertThat(sender.joinFailure()).isInstanceOf(ChannelClosedException.class).hasMessageContaining(ch.name());
        List<Integer> rest = new ArrayList<>();
        for (Integer x : ch) {
            rest.add(x);
        }
        assertThat(rest).containsExactlyElementsOf(IntStream.range(0, capacity).boxed().toList());
        assertThat(ch.stats().sent()).isEqualTo(capacity);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void receiversBlockedAtCloseAreAllWokenWithChannelClosedException(ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(2);
        List<Worker<Integer>> receivers = new ArrayList<>();
        for (ReceiveForm f : ReceiveForm.values()) {
            receivers.add(threads.start(kind, "receiver-" + f, () -> receive(f, ch)).awaitParked());
        }
        Worker<String> selector = threads.start(kind, "selector", () -> Select.select(ch.onReceive(x -> "got " + x)))
                .awaitParked();
        ch.close();
        for (Worker<Integer> r : receivers) {
            assertThat(r.joinFailure()).isInstanceOf(ChannelClosedException.class);
        }
        assertThat(selector.joinFailure()).isInstanceOf(ChannelClosedException.class);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void failGivesReceiversTheCauseOnceTheBufferIsDrained(ThreadKind kind) throws Exception {
        Channel<Integer> ch = Channel.bounded(4);
        ch.send(1);
        ch.send(2);
        IllegalStateException cause = new IllegalStateException("upstream broke");
        ch.fail(cause);
        assertThat(ch.isClosed()).isTrue();
        assertThat(ch.receive()).isEqualTo(1);
        assertThat(ch.tryReceive()).isEqualTo(2);
        ChannelClosedException e = (ChannelClosedException) catchThrowable(ch::receive);
        assertThat(e).hasCause(cause);
        assertThat(e.getCause()).isSameAs(cause);
        assertThat(e.isFailure()).isTrue();
        assertThatThrownBy(() -> ch.send(3)).isInstanceOf(ChannelClosedException.class);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void aReceiverBlockedAtFailSeesTheCause(ThreadKind kind) {
        Channel<Integer> ch = Channel.rendezvous();
        Worker<Integer> r = threads.start(kind, "receiver", ch::receive).awaitParked();
        RuntimeException cause = new RuntimeException("gone");
        ch.fail(cause);
        assertThat(r.joinFailure()).isInstanceOf(ChannelClosedException.class).hasCause(cause);
    }

    @Test
    void failAfterCloseHasNoEffectAndCloseAfterFailKeepsTheFailure() {
        Channel<Integer> closed = Channel.bounded(1);
        closed.close();
        closed.fail(new RuntimeException("late"));
        assertThat(catchThrowable(closed::tryReceive)).isInstanceOf(ChannelClosedException.class).hasNoCause();
        assertThat(((ChannelClosedException) catchThrowable(closed::tryReceive)).isFailure()).isFalse();

        Channel<Integer> failed = Channel.bounded(1);
        RuntimeException cause = new RuntimeException("first");
        failed.fail(cause);
        failed.close();
        failed.fail(new RuntimeException("second"));
        assertThat(catchThrowable(failed::tryReceive)).hasCause(cause);
    }

    @Test
    void iterationReceivesEveryItemAndEndsQuietlyWhenTheChannelIsClosed() {
        Channel<Integer> ch = Channel.bounded(4);
        for (int i = 0; i < 3; i++) {
            ch.trySend(i);
        }
        ch.close();
        List<Integer> got = new ArrayList<>();
        Iterator<Integer> it = ch.iterator();
        while (it.hasNext()) {
            got.add(it.next());
        }
        assertThat(got).containsExactly(0, 1, 2);
        assertThat(it.hasNext()).isFalse();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void iterationOfAFailedChannelThrowsAfterTheItems() {
        Channel<Integer> ch = Channel.bounded(4);
        ch.trySend(1);
        RuntimeException cause = new RuntimeException("broken");
        ch.fail(cause);
        List<Integer> got = new ArrayList<>();
        Throwable thrown = catchThrowable(() -> {
            for (Integer x : ch) {
                got.add(x);
            }
        });
        assertThat(got).containsExactly(1);
        assertThat(thrown).isInstanceOf(ChannelClosedException.class).hasCause(cause);
    }

    @ParameterizedTest(name = "{0} threads")
    @MethodSource("dev.sluice.channel.ChannelBasicsTest#threadKinds")
    void streamYieldsEveryItemUntilTheProducerCloses(ThreadKind kind) {
        Channel<Integer> ch = Channel.bounded(4);
        Worker<Void> producer = threads.run(kind, "producer", () -> {
            for (int i = 0; i < 100; i++) {
                ch.send(i);
            }
            ch.close();
        });
        assertThat(ch.stream().toList()).containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
        producer.join();
    }

    @Test
    void streamOfAFailedChannelThrowsTheFailure() {
        Channel<Integer> ch = Channel.bounded(4);
        ch.trySend(1);
        RuntimeException cause = new RuntimeException("broken");
        ch.fail(cause);
        assertThatThrownBy(() -> ch.stream().toList()).isInstanceOf(ChannelClosedException.class).hasCause(cause);
    }
}
