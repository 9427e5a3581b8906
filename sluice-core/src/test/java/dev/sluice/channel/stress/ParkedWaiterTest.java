package dev.sluice.channel.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.channel.Channel;
import dev.sluice.channel.Select;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a waiting thread costs. A platform thread blocked in a send or a receive must be parked, not
 * spinning: its CPU time, read with {@code ThreadMXBean.getThreadCpuTime}, barely moves over an interval of
 * {@value #INTERVAL_MS} ms once it is seen WAITING (the brief spin a platform thread makes before parking
 * happens before that, and is not measured). And virtual threads blocked with a {@link Context} end when
 * the context is cancelled, leaving no thread behind (checked by join and in the JVM's thread census).
 */
class ParkedWaiterTest {

    private static final long INTERVAL_MS = 400;
    /** CPU a parked thread may use in the interval: wake-ups and accounting noise, nothing like a spin. */
    private static final long MAX_CPU_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** The blocking forms, each on a channel where it cannot complete until the test lets it. */
    enum Form {
        SEND, SEND_WITH_TIMEOUT, SEND_WITH_CONTEXT, RECEIVE, RECEIVE_WITH_TIMEOUT, RECEIVE_WITH_CONTEXT,
        SELECT_RECEIVE, SELECT_RECEIVE_WITH_TIMEOUT;

        boolean sends() {
            return name().startsWith("SEND");
        }
    }

    /** Polls (briefly yielding) until {@code t} is parked, or fails after {@code within}. */
    static void awaitParked(Thread t, Duration within) {
        long end = System.nanoTime() + within.toNanos();
        while (true) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                return;
            }
            if (s == Thread.State.TERMINATED) {
                throw new AssertionError(t.getName() + " ended instead of blocking");
            }
            if (System.nanoTime() - end > 0) {
                throw new AssertionError(t.getName() + " did not park within " + within + "; state " + s);
            }
            Thread.yield();
        }
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPlatformThreadBlockedInTheChannelIsParkedAndUsesNoCpu(Form form) throws Exception {
        Channel<Integer> ch = Channel.bounded(1);
        Channel<Integer> other = Channel.bounded(1);
        if (form.sends()) {
            assertThat(ch.trySend(0)).isTrue(); // full: the send below must wait
        }
        Duration longWait = Duration.ofSeconds(30);
        AtomicInteger got = new AtomicInteger(-1);
        try (Workers w = new Workers("parked-" + form)) {
            Thread t = w.startPlatform(form.name(), () -> {
                switch (form) {
                    case SEND -> ch.send(1);
                    case SEND_WITH_TIMEOUT -> assertThat(ch.send(1, longWait)).isTrue();
                    case SEND_WITH_CONTEXT -> ch.send(1, Context.background().withTimeout(longWait));
                    case RECEIVE -> got.set(ch.receive());
                    case RECEIVE_WITH_TIMEOUT -> got.set(ch.receive(longWait));
                    case RECEIVE_WITH_CONTEXT -> got.set(ch.receive(Context.background().withTimeout(longWait)));
                    case SELECT_RECEIVE -> got.set(Select.select(ch.onReceive(x -> x), other.onReceive(x -> x)));
                    case SELECT_RECEIVE_WITH_TIMEOUT -> got.set(Select.select(ch.onReceive(x -> x),
                            Select.onTimeout(longWait, () -> -2)));
                }
            });
            awaitParked(t, Duration.ofSeconds(20));
            long before = Management.threadCpuTime(t.threadId());
            // The measured interval: a bounded wait on a latch nobody opens.
            assertThat(new CountDownLatch(1).await(INTERVAL_MS, TimeUnit.MILLISECONDS)).isFalse();
            long after = Management.threadCpuTime(t.threadId());
            Thread.State stateAfter = t.getState();
            assertThat(stateAfter).as("still blocked after the interval")
                    .isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
            long used = after - before;
            System.out.printf("%s: %,d us of CPU while parked for %d ms%n", form, used / 1_000, INTERVAL_MS);
            assertThat(used).as("CPU ns used while parked in %s for %d ms", form, INTERVAL_MS)
                    .isLessThan(MAX_CPU_NANOS);

            // Let it finish: take the item that filled the channel, or hand it one.
            if (form.sends()) {
                assertThat(ch.receive()).isZero();
            } else {
                ch.send(7);
            }
            w.finish(Duration.ofSeconds(20));
        }
        if (form.sends()) {
            assertThat(ch.tryReceive()).as("the parked sender's item, delivered once it was let in").isEqualTo(1);
        } else {
            assertThat(got.get()).as("the item handed to the parked receiver").isEqualTo(7);
        }
    }

    /** The control: the same measurement does see a thread that spins instead of parking. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theMeasurementSeesTheCpuOfAThreadThatSpinsInsteadOfParking() throws Exception {
        AtomicInteger stop = new AtomicInteger();
        CountDownLatch spinning = new CountDownLatch(1);
        try (Workers w = new Workers("spinner")) {
            Thread t = w.startPlatform("spinner", () -> {
                spinning.countDown();
                while (stop.get() == 0) {
                    Thread.onSpinWait();
                }
            });
            assertThat(spinning.await(20, TimeUnit.SECONDS)).isTrue();
            long before = Management.threadCpuTime(t.threadId());
            assertThat(new CountDownLatch(1).await(INTERVAL_MS, TimeUnit.MILLISECONDS)).isFalse();
            long used = Management.threadCpuTime(t.threadId()) - before;
            stop.set(1);
            w.finish(Duration.ofSeconds(20));
            System.out.printf("control, spinning: %,d us of CPU in %d ms%n", used / 1_000, INTERVAL_MS);
            // Even with the two cores shared by other work, a spinner gets far more than a parked thread may.
            assertThat(used).as("CPU ns used by a spinning thread in %d ms", INTERVAL_MS).isGreaterThan(MAX_CPU_NANOS);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void virtualThreadsBlockedWithAContextAllEndWhenItIsCancelledAndLeaveNoThreadBehind() throws Exception {
        int each = 500;
        Channel<Integer> full = Channel.bounded(1);
        assertThat(full.trySend(0)).isTrue();
        Channel<Integer> empty = Channel.bounded(1);
        Channel<Integer> empty2 = Channel.rendezvous();
        CancellableContext ctx = Context.background().withCancel();
        AtomicInteger cancelled = new AtomicInteger();
        try (Workers w = new Workers("vt-cancel")) {
            for (int i = 0; i < each; i++) {
                int item = i + 1;
                w.startVirtual("sender-" + i, () -> {
                    try {
                        full.send(item, ctx);
                        throw new AssertionError("a send into a full channel returned");
                    } catch (CancelledException expected) {
                        cancelled.incrementAndGet();
                    }
                });
                w.startVirtual("receiver-" + i, () -> {
                    try {
                        Integer x = empty.receive(ctx);
                        throw new AssertionError("a receive from an empty channel returned " + x);
                    } catch (CancelledException expected) {
                        cancelled.incrementAndGet();
                    }
                });
                w.startVirtual("selector-" + i, () -> {
                    String r = Select.select(empty.onReceive(x -> "item " + x), empty2.onReceive(x -> "item " + x),
                            Select.onDone(ctx, () -> "done"));
                    assertThat(r).isEqualTo("done");
                    cancelled.incrementAndGet();
                });
            }
            List<Thread> started = w.threads();
            for (Thread t : started) {
                awaitParked(t, Duration.ofSeconds(30));
            }
            assertThat(ThreadCensus.liveThreadNames(w.prefix())).as("virtual threads the JVM lists as alive")
                    .hasSize(3 * each);

            ctx.cancel();
            w.finish(Duration.ofSeconds(30)); // joins all, then checks none is alive or in the JVM's census
        }
        assertThat(cancelled.get()).isEqualTo(3 * each);
        assertThat(full.tryReceive()).as("only the item that filled the channel").isZero();
        assertThat(full.tryReceive()).isNull();
        assertThat(empty.tryReceive()).isNull();
    }
}
