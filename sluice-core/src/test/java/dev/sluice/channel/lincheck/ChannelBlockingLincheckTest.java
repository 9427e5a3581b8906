package dev.sluice.channel.lincheck;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.Select;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.LincheckSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The blocking operations (send, receive, their Context forms, select) under Lincheck's general-purpose
 * model checker, {@link Lincheck#runConcurrentTest(int, Runnable)}: each test body starts a few platform
 * threads, and Lincheck replays the body many times, choosing the thread switches at every lock, park,
 * unpark and shared-memory access, so that rare interleavings (a close between a receiver's enqueue and
 * its park, an interrupt just as a sender hands over) are actually run. A body that hangs in some
 * interleaving (every thread parked) is reported by Lincheck as a failure with the interleaving.
 *
 * <p>These are not linearizability checks (Lincheck's model of a blocking call needs Kotlin suspending
 * functions); each body asserts a conservation invariant instead: every item is received exactly once, or
 * its sender was told it was not delivered.
 *
 * <p>Threads inside the bodies are platform threads: Lincheck 3.7 does not manage virtual threads. The
 * bodies check with plain {@code AssertionError}s, not AssertJ: Lincheck calls {@code equals} on objects
 * it sees in the traced code, which AssertJ's assertion objects refuse.
 */
class ChannelBlockingLincheckTest {

    /** Interleavings explored per test; grows with SLUICE_STRESS_SCALE. */
    private static final int INVOCATIONS = LincheckScale.scaled(50);

    /**
     * For bodies in which a parked waiter must give up with no counterpart ever coming (interrupt,
     * cancelled context). A platform-thread waiter spins up to 512 times ({@code ChannelImpl.SPINS})
     * before it parks and checks the interrupt and the context only after the spin; Lincheck's default
     * loop bound (50) calls such a bounded spin, with every other thread finished, a livelock. Lincheck
     * 3.7 has no public option for {@code runConcurrentTest}, so these bodies use its internal entry point
     * with a loop bound above the spin count (the other settings are its defaults).
     */
    private static void runConcurrentTestPastTheSpin(Runnable body) {
        Lincheck.runConcurrentTestInternal$lincheck(INVOCATIONS, new LincheckSettings(true, 10, 1_024, 20), body);
    }

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /**
     * Runs the bodies on their own platform threads and waits for all of them; the first failure of any
     * (an assertion included) is rethrown here with the others suppressed.
     */
    static void concurrently(Body... bodies) {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (Body b : bodies) {
            threads.add(new Thread(() -> {
                try {
                    b.run();
                } catch (Throwable t) {
                    if (!failure.compareAndSet(null, t)) {
                        failure.get().addSuppressed(t);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while joining", e);
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new AssertionError(t);
        }
    }

    /** Receives what is left in a closed channel. */
    private static List<Integer> drain(Channel<Integer> ch) {
        List<Integer> out = new ArrayList<>();
        while (true) {
            try {
                Integer x = ch.tryReceive();
                if (x == null) {
                    throw new AssertionError("a closed channel reported empty instead of closed");
                }
                out.add(x);
            } catch (ChannelClosedException closed) {
                return out;
            }
        }
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1})
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void blockingSendersAndReceiversHandOverEveryItemExactlyOnce(int capacity) {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Channel<Integer> ch = Channel.bounded(capacity);
            int[] got = new int[2];
            concurrently(
                    () -> ch.send(1),
                    () -> ch.send(2),
                    () -> got[0] = ch.receive(),
                    () -> got[1] = ch.receive());
            expectEqual(Set.of(1, 2), Set.of(got[0], got[1]), "items received");
            expectEqual(0, ch.size(), "size after");
        });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void closeRacingARendezvousEitherDeliversTheItemOrTellsBothSides() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Channel<Integer> ch = Channel.rendezvous();
            boolean[] sent = new boolean[1];
            Integer[] got = new Integer[1];
            concurrently(
                    () -> {
                        try {
                            ch.send(7);
                            sent[0] = true;
                        } catch (ChannelClosedException notDelivered) {
                            sent[0] = false;
                        }
                    },
                    () -> {
                        try {
                            got[0] = ch.receive();
                        } catch (ChannelClosedException closed) {
                            got[0] = null;
                        }
                    },
                    ch::close);
            expectEqual(sent[0] ? Integer.valueOf(7) : null, got[0], "item received (sender reported delivered=" + sent[0] + ")");
        });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void closeWithASenderParkedOnAFullBufferKeepsBufferedItemsAndRefusesTheParkedOne() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Channel<Integer> ch = Channel.bounded(1);
            List<Integer> delivered = new ArrayList<>();
            List<Integer> received = new ArrayList<>();
            concurrently(
                    () -> {
                        for (int i = 1; i <= 2; i++) {
                            try {
                                ch.send(i);
                                delivered.add(i);
                            } catch (ChannelClosedException notDelivered) {
                                // reported back: not delivered
                            }
                        }
                    },
                    () -> {
                        try {
                            received.add(ch.receive());
                        } catch (ChannelClosedException closed) {
                            // nothing taken
                        }
                    },
                    ch::close);
            received.addAll(drain(ch));
            expectEqual(delivered, received, "items received vs items the sender was told were delivered");
        });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anInterruptedReceiverEitherReturnsTheItemOrLeavesItInTheChannel() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Channel<Integer> ch = Channel.bounded(1);
            Integer[] got = new Integer[1];
            Thread receiver = new Thread(() -> {
                try {
                    got[0] = ch.receive();
                } catch (InterruptedException interrupted) {
                    got[0] = null;
                }
            });
            receiver.start();
            concurrently(() -> expectEqual(true, ch.trySend(5), "trySend into an empty buffer"), receiver::interrupt);
            join(receiver);
            Integer left = ch.tryReceive();
            expectEqual(5, got[0] == null ? left : got[0], "item returned or left in the channel");
            expectEqual(null, got[0] == null ? null : left, "item left after it was returned");
        });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anInterruptedSenderIsDeliveredExactlyWhenTheReceiverGotTheItem() {
        runConcurrentTestPastTheSpin(() -> {
            Channel<Integer> ch = Channel.rendezvous();
            boolean[] sent = new boolean[1];
            Integer[] got = new Integer[1];
            Thread sender = new Thread(() -> {
                try {
                    ch.send(9);
                    sent[0] = true;
                } catch (InterruptedException notDelivered) {
                    sent[0] = false;
                }
            });
            sender.start();
            concurrently(() -> got[0] = ch.tryReceive(), sender::interrupt);
            join(sender);
            expectEqual(sent[0] ? Integer.valueOf(9) : null, got[0], "item received (sender reported delivered=" + sent[0] + ")");
        });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aCancelledContextEndsAWaitingReceiveWithoutTakingTheItem() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Channel<Integer> ch = Channel.bounded(1);
            CancellableContext ctx = Context.background().withCancel();
            Integer[] got = new Integer[1];
            concurrently(
                    () -> {
                        try {
                            got[0] = ch.receive(ctx);
                        } catch (CancelledException cancelled) {
                            got[0] = null;
                        }
                    },
                    () -> expectEqual(true, ch.trySend(3), "trySend into an empty buffer"),
                    ctx::cancel);
            Integer left = ch.tryReceive();
            expectEqual(3, got[0] == null ? left : got[0], "item returned or left in the channel");
            expectEqual(null, got[0] == null ? null : left, "item left after it was returned");
        });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aCancelledContextEndsAWaitingSendExactlyWhenNobodyTookTheItem() {
        runConcurrentTestPastTheSpin(() -> {
            Channel<Integer> ch = Channel.rendezvous();
            CancellableContext ctx = Context.background().withCancel();
            boolean[] sent = new boolean[1];
            Integer[] got = new Integer[1];
            concurrently(
                    () -> {
                        try {
                            ch.send(4, ctx);
                            sent[0] = true;
                        } catch (CancelledException notDelivered) {
                            sent[0] = false;
                        }
                    },
                    () -> got[0] = ch.tryReceive(),
                    ctx::cancel);
            expectEqual(sent[0] ? Integer.valueOf(4) : null, got[0], "item received (sender reported delivered=" + sent[0] + ")");
        });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aSelectOverTwoChannelsReceivesFromEachExactlyOnce() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Channel<Integer> a = Channel.rendezvous();
            Channel<Integer> b = Channel.rendezvous();
            // An int[] and a plain comparison, not a List and Set.copyOf: Lincheck instruments every class
            // the body touches during the first invocation, under its fixed 30 s wall-clock limit per
            // invocation; on a starved CPU the JDK collection classes alone pushed that past the limit.
            int[] got = new int[2];
            concurrently(
                    () -> a.send(1),
                    () -> b.send(2),
                    () -> {
                        for (int i = 0; i < 2; i++) {
                            got[i] = Select.select(a.onReceive(x -> x), b.onReceive(x -> x));
                        }
                    });
            expectEqual(true, got[0] == 1 && got[1] == 2 || got[0] == 2 && got[1] == 1,
                    "both selects completed, one with each channel's item");
        });
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aSendingSelectAndAReceivingSelectMeetOnExactlyOneChannel() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Channel<Integer> a = Channel.rendezvous();
            Channel<Integer> b = Channel.rendezvous();
            String[] sentOn = new String[1];
            Integer[] got = new Integer[1];
            concurrently(
                    () -> sentOn[0] = Select.select(a.onSend(1, () -> "a"), b.onSend(2, () -> "b")),
                    () -> got[0] = Select.select(a.onReceive(x -> x), b.onReceive(x -> x)));
            expectEqual(sentOn[0].equals("a") ? 1 : 2, got[0], "item received (send clause chosen: " + sentOn[0] + ")");
            expectEqual(null, a.tryReceive(), "left in a");
            expectEqual(null, b.tryReceive(), "left in b");
        });
    }

    private static void expectEqual(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual);
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
