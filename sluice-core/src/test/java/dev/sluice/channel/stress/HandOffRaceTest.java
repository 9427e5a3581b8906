package dev.sluice.channel.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.CancellableContext;
import dev.sluice.CancelledException;
import dev.sluice.Context;
import dev.sluice.channel.Channel;
import dev.sluice.channel.Select;
import java.time.Duration;
import java.util.concurrent.Phaser;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The narrowest race of a blocking channel: a waiter giving up (interrupt, cancelled context, timeout) at
 * the very moment a counterpart completes it. Three threads repeat a trial many times: the waiter calls a
 * blocking send or receive on a rendezvous channel; the disruptor, after a random delay of up to 30 us,
 * interrupts the waiter or cancels its context (for timeouts, the waiter's own timeout of that length is
 * the disruptor); the counterpart, after its own random delay of up to 30 us, tries the matching
 * non-blocking call. The random delays sweep the collision across the waiter's phases: before it queues,
 * while it spins, while it is parked, as it wakes.
 *
 * <p>This is a probabilistic test: the window in which a give-up and a completion truly collide is tens
 * of nanoseconds wide. A deliberately planted bug (a receiver that throws InterruptedException even when
 * its CAS lost to a hand-off) was caught in roughly one trial in 20,000 on a busy 2-core machine, so a
 * pass at the CI size is evidence, not proof; larger SLUICE_STRESS_SCALE runs more trials.
 *
 * <p>Invariant per trial: the counterpart succeeded exactly when the waiter reports success. A receiver
 * that threw after being handed the item would have lost it; a sender that threw after its item was taken
 * would have it both delivered and reported not delivered.
 *
 * <p>Runs with a platform-thread waiter (which spins briefly before parking) and a virtual-thread waiter
 * (which parks at once). Trials grow with {@code SLUICE_STRESS_SCALE}.
 */
class HandOffRaceTest {

    private static final int TRIALS = StressScale.items(10_000, 1);

    enum Race {
        RECEIVE_INTERRUPTED, RECEIVE_CANCELLED, RECEIVE_TIMED_OUT, SELECT_RECEIVE_INTERRUPTED,
        SELECT_RECEIVE_CANCELLED, SEND_INTERRUPTED, SEND_CANCELLED, SEND_TIMED_OUT, SELECT_SEND_INTERRUPTED;

        boolean waiterSends() {
            return name().contains("SEND");
        }
    }

    /** Busy-waits about {@code nanos}: a delay that keeps the thread on its core, so the threads collide. */
    private static void spinFor(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }


    @ParameterizedTest(name = "{0}, virtual waiter: {1}")
    @CsvSource({
        "RECEIVE_INTERRUPTED, false", "RECEIVE_INTERRUPTED, true",
        "RECEIVE_CANCELLED, false", "RECEIVE_CANCELLED, true",
        "RECEIVE_TIMED_OUT, false",
        "SELECT_RECEIVE_INTERRUPTED, false", "SELECT_RECEIVE_CANCELLED, true",
        "SEND_INTERRUPTED, false", "SEND_INTERRUPTED, true",
        "SEND_CANCELLED, true",
        "SEND_TIMED_OUT, false",
        "SELECT_SEND_INTERRUPTED, false"})
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aWaiterGivingUpAsItIsCompletedEitherCompletesOrLeavesTheItemWithItsOwner(Race race, boolean virtual)
            throws Exception {
        Channel<Integer> ch = Channel.rendezvous();
        Channel<Integer> never = Channel.rendezvous(); // a second select clause that never fires
        // Per trial: did the waiter succeed, did the counterpart (-1: not yet known).
        byte[] waiterDone = new byte[TRIALS];
        byte[] counterpartDone = new byte[TRIALS];
        Phaser phaser = new Phaser(3);
        CancellableContext[] ctx = new CancellableContext[1];
        // Per trial, chosen by the waiter and published by the phaser: when the disruptor acts (or the
        // waiter's timeout) and when the counterpart acts, each up to 30 us after the start, independently.
        long[] disruptAt = new long[1];
        long[] completeAt = new long[1];
        Thread[] waiter = new Thread[1];
        long start = System.nanoTime();
        try (Workers w = new Workers("handoff-" + race + (virtual ? "-vt" : "-pt"))) {
            w.onAbort(() -> {
                phaser.forceTermination();
                ch.close();
            });
            Workers.Body waiterBody = () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int t = 0; t < TRIALS && !phaser.isTerminated(); t++) {
                    CancellableContext c = Context.background().withCancel();
                    ctx[0] = c;
                    long d = rnd.nextLong(1, 30_000);
                    disruptAt[0] = d;
                    completeAt[0] = rnd.nextLong(0, 30_000);
                    phaser.arriveAndAwaitAdvance();
                    boolean ok;
                    Integer item = t;
                    try {
                        ok = switch (race) {
                            case RECEIVE_INTERRUPTED -> item.equals(ch.receive());
                            case RECEIVE_CANCELLED -> item.equals(ch.receive(c));
                            case RECEIVE_TIMED_OUT -> item.equals(ch.receive(Duration.ofNanos(d)));
                            case SELECT_RECEIVE_INTERRUPTED -> item.equals(
                                    Select.select(ch.onReceive(x -> x), never.onReceive(x -> x)));
                            case SELECT_RECEIVE_CANCELLED -> item.equals(
                                    Select.select(ch.onReceive(x -> x), Select.onDone(c, () -> -1)));
                            case SEND_INTERRUPTED -> {
                                ch.send(item);
                                yield true;
                            }
                            case SEND_CANCELLED -> {
                                ch.send(item, c);
                                yield true;
                            }
                            case SEND_TIMED_OUT -> ch.send(item, Duration.ofNanos(d));
                            case SELECT_SEND_INTERRUPTED -> Select.select(ch.onSend(item, () -> true),
                                    never.onSend(-1, () -> false));
                        };
                    } catch (InterruptedException | CancelledException gaveUp) {
                        ok = false;
                    }
                    waiterDone[t] = (byte) (ok ? 1 : 0);
                    phaser.arriveAndAwaitAdvance(); // the disruptor has acted by now
                    Thread.interrupted(); // an interrupt that came after success must not leak into the next trial
                    c.cancel();
                }
            };
            waiter[0] = virtual ? w.startVirtual("waiter", waiterBody) : w.startPlatform("waiter", waiterBody);
            w.startPlatform("counterpart", () -> {
                for (int t = 0; t < TRIALS && !phaser.isTerminated(); t++) {
                    phaser.arriveAndAwaitAdvance();
                    spinFor(completeAt[0]);
                    boolean ok;
                    if (race.waiterSends()) {
                        Integer x = ch.tryReceive();
                        if (x != null && x != t) {
                            throw new AssertionError("trial " + t + ": received item " + x);
                        }
                        ok = x != null;
                    } else {
                        ok = ch.trySend(t);
                    }
                    counterpartDone[t] = (byte) (ok ? 1 : 0);
                    phaser.arriveAndAwaitAdvance();
                }
            });
            w.startPlatform("disruptor", () -> {
                for (int t = 0; t < TRIALS && !phaser.isTerminated(); t++) {
                    phaser.arriveAndAwaitAdvance();
                    spinFor(disruptAt[0]);
                    switch (race) {
                        case RECEIVE_INTERRUPTED, SELECT_RECEIVE_INTERRUPTED, SEND_INTERRUPTED, SELECT_SEND_INTERRUPTED ->
                                waiter[0].interrupt();
                        case RECEIVE_CANCELLED, SELECT_RECEIVE_CANCELLED, SEND_CANCELLED -> ctx[0].cancel();
                        default -> { } // the waiter's own timeout
                    }
                    phaser.arriveAndAwaitAdvance();
                }
            });
            w.finish(StressScale.deadlineFor(TRIALS * 20L));
        }
        long nanos = System.nanoTime() - start;

        int completed = 0;
        int mismatches = 0;
        StringBuilder examples = new StringBuilder();
        for (int t = 0; t < TRIALS; t++) {
            if (waiterDone[t] == 1) {
                completed++;
            }
            if (waiterDone[t] != counterpartDone[t]) {
                if (++mismatches <= 5) {
                    examples.append(String.format("%n  trial %d: waiter %s, counterpart %s", t,
                            waiterDone[t] == 1 ? "succeeded" : "gave up",
                            counterpartDone[t] == 1 ? "succeeded" : "failed"));
                }
            }
        }
        System.out.printf("%s (%s waiter): %,d trials in %,d ms, %,d completed by the counterpart, %,d given up%n",
                race, virtual ? "virtual" : "platform", TRIALS, TimeUnit.NANOSECONDS.toMillis(nanos), completed,
                TRIALS - completed);
        assertThat(mismatches).as("trials where waiter and counterpart disagree:%s", examples).isZero();
        // Both outcomes must occur, or the trials did not race.
        assertThat(completed).as("trials the counterpart completed").isPositive();
        assertThat(TRIALS - completed).as("trials the waiter gave up").isPositive();
    }
}
