package dev.sluice.spill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ChannelFullException;
import dev.sluice.channel.Overflow;
import dev.sluice.testing.Poll;
import dev.sluice.testing.TestThreads;
import dev.sluice.testing.TestThreads.Worker;
import dev.sluice.testing.ThreadKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Full, closed, cancelled, interrupted; quota, segments and reopening. */
@Timeout(30)
class SpillChannelBehaviourTest {

    @RegisterExtension
    final TestThreads threads = new TestThreads();

    @TempDir
    Path dir;

    private final List<SpillChannel<?>> open = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        Thread.interrupted();
        open.forEach(SpillChannel::release);
    }

    private <T> SpillChannel<T> track(SpillChannel<T> ch) {
        open.add(ch);
        return ch;
    }

    /** Memory 2, segments of 256 bytes, quota 512: a few dozen 8-byte items fill it. */
    private SpillChannel<Long> small(Overflow whenFull, boolean fsync) {
        return track(Spills.longs(dir, 2, fsync).segmentSize(256).diskQuota(512).whenDiskFull(whenFull).build());
    }

    /** Sends 0, 1, 2, ... with trySend until refused; returns how many were accepted. */
    private static long fill(SpillChannel<Long> ch) {
        long n = 0;
        while (ch.trySend(n)) {
            n++;
            assertThat(ch.spillStats().diskBytes()).isLessThanOrEqualTo(ch.spillStats().diskQuota());
        }
        return n;
    }

    private static List<Long> drainNow(SpillChannel<Long> ch) {
        List<Long> out = new ArrayList<>();
        for (Long x; (x = ch.tryReceive()) != null; ) {
            out.add(x);
        }
        return out;
    }

    private static List<Long> range(long from, long to) {
        return LongStream.range(from, to).boxed().toList();
    }

    // ------------------------------------------------------------------ full

    @ParameterizedTest(name = "fsync {0}")
    @ValueSource(booleans = {false, true})
    void diskUsageStaysWithinTheQuotaAndTrySendReturnsFalseWhenItIsUsed(boolean fsync) {
        SpillChannel<Long> ch = small(Overflow.BLOCK, fsync);
        long n = fill(ch);
        assertThat(n).isGreaterThan(10);
        SpillStats s = ch.spillStats();
        assertThat(s.diskBytes()).isLessThanOrEqualTo(512).isGreaterThan(512 - 2 * Spills.recordBytes(8) - 8);
        assertThat(ch.stats().rejected()).isEqualTo(1);
        assertThat(s.diskFullWaits()).isEqualTo(1);
        assertThat(drainNow(ch)).containsExactlyElementsOf(range(0, n));
    }

    @Test
    void rejectPolicyThrowsChannelFullExceptionAndTheItemIsNotAccepted() {
        SpillChannel<Long> ch = small(Overflow.REJECT, false);
        long n = fill(ch);
        assertThatThrownBy(() -> ch.send(-1L))
                .isInstanceOf(ChannelFullException.class)
                .hasMessageContaining("disk quota of 512 bytes");
        assertThat(ch.size()).isEqualTo((int) n);
        assertThat(drainNow(ch)).containsExactlyElementsOf(range(0, n));
    }

    @ParameterizedTest(name = "{0} threads")
    @EnumSource(ThreadKind.class)
    void blockedSendResumesWhenAReceiverFreesASegment(ThreadKind kind) throws Exception {
        SpillChannel<Long> ch = small(Overflow.BLOCK, false);
        long n = fill(ch);
        Worker<Void> sender = threads.run(kind, "sender", () -> ch.send(n));
        sender.awaitParked();
        assertThat(ch.stats().blockedSends()).isEqualTo(1);
        List<Long> got = new ArrayList<>();
        // Space comes back a segment at a time: keep receiving until the sender gets in.
        while (sender.isAlive() && got.size() < n) {
            got.add(ch.receive());
        }
        sender.join();
        got.addAll(drainNow(ch));
        assertThat(got).containsExactlyElementsOf(range(0, n + 1));
        assertThat(ch.stats().blockedNanos()).isPositive();
    }

    @Test
    void contextDeadlineEndsASendBlockedOnTheQuota() throws Exception {
        SpillChannel<Long> ch = small(Overflow.BLOCK, false);
        long n = fill(ch);
        Context ctx = Context.background().withTimeout(Duration.ofMillis(50));
        assertThatThrownBy(() -> ch.send(-1L, ctx)).isInstanceOf(DeadlineExceededException.class);
        assertThat(ch.send(-2L, Duration.ofMillis(20))).isFalse();
        assertThat(drainNow(ch)).containsExactlyElementsOf(range(0, n));
    }

    @ParameterizedTest(name = "{0} threads")
    @EnumSource(ThreadKind.class)
    void cancellingTheContextEndsABlockedSendAndTheItemIsNotSent(ThreadKind kind) throws Exception {
        SpillChannel<Long> ch = small(Overflow.BLOCK, false);
        long n = fill(ch);
        CancellableContext ctx = Context.background().withCancel();
        Worker<Void> sender = threads.run(kind, "sender", () -> ch.send(-1L, ctx));
        sender.awaitParked();
        ctx.cancel();
        assertThat(sender.joinFailure()).isInstanceOf(CancelledException.class);
        assertThat(drainNow(ch)).containsExactlyElementsOf(range(0, n));
    }

    @ParameterizedTest(name = "{0} threads")
    @EnumSource(ThreadKind.class)
    void interruptingABlockedSendThrowsInterruptedExceptionAndTheItemIsNotSent(ThreadKind kind) throws Exception {
        SpillChannel<Long> ch = small(Overflow.BLOCK, true);
        long n = fill(ch);
        Worker<Void> sender = threads.run(kind, "sender", () -> ch.send(-1L));
        sender.awaitParked();
        sender.thread().interrupt();
        assertThat(sender.joinFailure()).isInstanceOf(InterruptedException.class);
        assertThat(drainNow(ch)).containsExactlyElementsOf(range(0, n));
        // The files were not closed by the interrupt: the channel still works.
        ch.send(7L);
        assertThat(ch.receive()).isEqualTo(7L);
    }

    @Test
    void openingAndReleasingWorkWithTheInterruptFlagSet() throws Exception {
        Thread.currentThread().interrupt();
        SpillChannel<Long> ch = Spills.longs(dir, 0, true).build();
        ch.send(1L);
        assertThat(ch.release()).isEmpty();
        assertThat(Thread.interrupted()).as("the flag is kept").isTrue();
        SpillChannel<Long> again = track(Spills.longs(dir, 0, true).build());
        assertThat(again.receive()).isEqualTo(1L);
    }

    @Test
    void aSendThatNeedsNoWaitingCompletesEvenWithTheInterruptFlagSet() throws Exception {
        SpillChannel<Long> ch = track(Spills.longs(dir, 0, true).build());
        Thread.currentThread().interrupt();
        ch.send(1L);
        assertThat(Thread.interrupted()).isTrue();
        assertThat(ch.receive()).isEqualTo(1L);
    }

    // ------------------------------------------------------------------ empty

    @ParameterizedTest(name = "{0} threads")
    @EnumSource(ThreadKind.class)
    void receiveWaitsForASendAndTimedFormsGiveUp(ThreadKind kind) throws Exception {
        SpillChannel<Long> ch = track(Spills.longs(dir, 4, false).build());
        assertThat(ch.tryReceive()).isNull();
        assertThat(ch.receive(Duration.ofMillis(10))).isNull();
        assertThatThrownBy(() -> ch.receive(Context.background().withTimeout(Duration.ofMillis(10))))
                .isInstanceOf(DeadlineExceededException.class);
        Worker<Long> receiver = threads.start(kind, "receiver", ch::receive);
        receiver.awaitParked();
        ch.send(5L);
        assertThat(receiver.join()).isEqualTo(5L);
    }

    @ParameterizedTest(name = "{0} threads")
    @EnumSource(ThreadKind.class)
    void cancelAndInterruptEndAWaitingReceive(ThreadKind kind) throws Exception {
        SpillChannel<Long> ch = track(Spills.longs(dir, 4, false).build());
        CancellableContext ctx = Context.background().withCancel();
        Worker<Long> cancelled = threads.start(kind, "cancelled", () -> ch.receive(ctx));
        Worker<Long> interrupted = threads.start(kind, "interrupted", ch::receive);
        cancelled.awaitParked();
        interrupted.awaitParked();
        ctx.cancel();
        assertThat(cancelled.joinFailure()).isInstanceOf(CancelledException.class);
        interrupted.thread().interrupt();
        assertThat(interrupted.joinFailure()).isInstanceOf(InterruptedException.class);
        ch.send(1L);
        assertThat(ch.tryReceive()).as("nobody took the item while giving up").isEqualTo(1L);
    }

    @Test
    void aDoneContextFailsAtOnceEvenWhenAnItemIsReady() throws Exception {
        SpillChannel<Long> ch = track(Spills.longs(dir, 4, false).build());
        ch.send(1L);
        CancellableContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertThatThrownBy(() -> ch.receive(ctx)).isInstanceOf(CancelledException.class);
        assertThatThrownBy(() -> ch.send(2L, ctx)).isInstanceOf(CancelledException.class);
        assertThat(drainNow(ch)).containsExactly(1L);
    }

    // ------------------------------------------------------------------ closed

    @ParameterizedTest(name = "fsync {0}")
    @ValueSource(booleans = {false, true})
    void afterCloseSendsThrowAndReceiversDrainMemoryThenDiskThenEnd(boolean fsync) throws Exception {
        SpillChannel<Long> ch = track(Spills.longs(dir, 3, fsync).segmentSize(128).build());
        for (long i = 0; i < 40; i++) {
            ch.send(i);
        }
        assertThat(ch.spillStats().memoryItems()).isEqualTo(3);
        assertThat(ch.spillStats().diskItems()).isEqualTo(37);
        ch.close();
        assertThat(ch.isClosed()).isTrue();
        assertThatThrownBy(() -> ch.send(99L)).isInstanceOf(ChannelClosedException.class);
        assertThatThrownBy(() -> ch.trySend(99L)).isInstanceOf(ChannelClosedException.class);
        List<Long> got = new ArrayList<>();
        ch.forEach(got::add);
        assertThat(got).containsExactlyElementsOf(range(0, 40));
        assertThatThrownBy(ch::receive).isInstanceOf(ChannelClosedException.class);
        assertThatThrownBy(ch::tryReceive).isInstanceOf(ChannelClosedException.class);
    }

    @ParameterizedTest(name = "{0} threads")
    @EnumSource(ThreadKind.class)
    void closeWakesWaitingReceiversAndSendersWithChannelClosedException(ThreadKind kind) throws Exception {
        SpillChannel<Long> empty = track(Spills.longs(dir.resolve("a"), 1, false).build());
        SpillChannel<Long> full = small(Overflow.BLOCK, false);
        long n = fill(full);
        Worker<Long> receiver = threads.start(kind, "receiver", empty::receive);
        Worker<Void> sender = threads.run(kind, "sender", () -> full.send(-1L));
        receiver.awaitParked();
        sender.awaitParked();
        empty.close();
        full.close();
        assertThat(receiver.joinFailure()).isInstanceOf(ChannelClosedException.class);
        assertThat(sender.joinFailure()).isInstanceOf(ChannelClosedException.class);
        assertThat(full.stream().toList()).containsExactlyElementsOf(range(0, n));
    }

    @Test
    void failMakesDrainedReceiversSeeTheCause() {
        SpillChannel<Long> ch = track(Spills.longs(dir, 1, false).build());
        ch.trySend(1L);
        ch.trySend(2L);
        IllegalStateException cause = new IllegalStateException("producer broke");
        ch.fail(cause);
        assertThat(ch.tryReceive()).isEqualTo(1L);
        assertThat(ch.tryReceive()).isEqualTo(2L);
        Throwable t = catchThrowable(ch::tryReceive);
        assertThat(t).isInstanceOf(ChannelClosedException.class).hasCause(cause);
    }

    @Test
    void selectClausesAreRefusedWithAClearMessage() {
        SpillChannel<Long> ch = track(Spills.longs(dir, 1, false).build());
        assertThatThrownBy(() -> ch.onReceive(x -> x)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("select");
        assertThatThrownBy(() -> ch.onSend(1L, () -> 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    // ------------------------------------------------------------------ files

    @ParameterizedTest(name = "fsync {0}")
    @ValueSource(booleans = {false, true})
    void consumedSegmentsAreDeleted(boolean fsync) throws Exception {
        SpillChannel<Long> ch = track(Spills.longs(dir, 0, fsync).segmentSize(200).diskQuota(1 << 20).build());
        for (long i = 0; i < 200; i++) {
            ch.send(i);
        }
        assertThat(ch.spillStats().segments()).isGreaterThan(10);
        assertThat(segmentFiles()).isEqualTo(ch.spillStats().segments());
        for (long i = 0; i < 200; i++) {
            assertThat(ch.receive()).isEqualTo(i);
        }
        assertThat(ch.spillStats().segments()).isLessThanOrEqualTo(1);
        assertThat(segmentFiles()).isLessThanOrEqualTo(1);
        assertThat(ch.spillStats().diskBytes()).isLessThanOrEqualTo(200);
    }

    private long segmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("segment-")).count();
        }
    }

    @Test
    void reopeningADurableDirectoryAfterReleaseDeliversTheRestInOrder() throws Exception {
        SpillChannel<Long> ch = Spills.longs(dir, 10, true).segmentSize(256).build();
        for (long i = 0; i < 100; i++) {
            ch.send(i);
        }
        for (long i = 0; i < 30; i++) {
            assertThat(ch.receive()).isEqualTo(i);
        }
        assertThat(ch.release()).as("durable: nothing lives only in memory").isEmpty();
        assertThatThrownBy(ch::receive).isInstanceOf(ChannelClosedException.class);

        SpillChannel<Long> again = track(Spills.longs(dir, 10, true).segmentSize(256).build());
        assertThat(again.spillStats().recovered()).isEqualTo(70);
        assertThat(again.size()).isEqualTo(70);
        again.send(100L); // behind the recovered items
        again.close();
        assertThat(again.stream().toList()).containsExactlyElementsOf(range(30, 101));
        assertThat(again.spillStats().corruptRecordsSkipped()).isZero();
    }

    @Test
    void releaseOfANonDurableChannelHandsBackTheItemsHeldOnlyInMemory() throws Exception {
        SpillChannel<Long> ch = Spills.longs(dir, 10, false).build();
        for (long i = 0; i < 50; i++) {
            ch.send(i);
        }
        assertThat(ch.release()).containsExactlyElementsOf(range(0, 10));
        SpillChannel<Long> again = track(Spills.longs(dir, 10, false).build());
        assertThat(again.spillStats().recovered()).isEqualTo(40);
        again.close();
        assertThat(again.stream().toList()).containsExactlyElementsOf(range(10, 50));
    }

    @Test
    void aDirectoryCanBeOpenByOneChannelAtATime() {
        track(Spills.longs(dir, 1, false).build());
        assertThatThrownBy(() -> Spills.longs(dir, 1, false).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already open");
    }

    @Test
    void releaseWakesWaitersAndLaterOperationsThrowClosed() throws Exception {
        SpillChannel<Long> ch = Spills.longs(dir, 1, false).build();
        Worker<Long> receiver = threads.start(ThreadKind.VIRTUAL, "receiver", ch::receive);
        receiver.awaitParked();
        ch.release();
        assertThat(receiver.joinFailure()).isInstanceOf(ChannelClosedException.class);
        assertThatThrownBy(() -> ch.send(1L)).isInstanceOf(ChannelClosedException.class);
        assertThat(ch.release()).isEmpty();
        Poll.until("the directory is free", () -> {
            try {
                track(Spills.longs(dir, 1, false).build());
                return true;
            } catch (IllegalStateException stillLocked) {
                return false;
            }
        });
    }
}
