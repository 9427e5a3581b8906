package dev.sluice.channel.stress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.CancellableContext;
import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ChannelStats;
import dev.sluice.channel.Select;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Producers and consumers under fire: every operation picks one of the channel's forms at random (plain,
 * timed with a timeout of a few microseconds, with a cancellable or a short-deadline {@link Context},
 * non-blocking, or a select with a timeout or a done clause), while a chaos thread interrupts random
 * workers, cancels the contexts they are waiting on, and closes the channel part-way through the round.
 *
 * <p>The invariant, checked per item: every item is either received exactly once or reported back to its
 * sender as not delivered (the send returned false or threw {@link ChannelClosedException},
 * {@link InterruptedException} or a {@link ContextDoneException}), never both and never neither. That also
 * checks that an interrupted or cancelled receive either returned its item or took nothing: an item taken
 * and then dropped would be "neither". Consumers also check each producer's order, which gaps (items not
 * delivered) do not break.
 *
 * <p>The work is split into rounds of {@value #ROUND_ITEMS} items, each with a fresh channel and fresh
 * threads, so that the close lands mid-flight many times; the two one-bit-per-item ledgers are per round,
 * so memory stays bounded however large N is. N is {@value StressScale#CI_ITEMS} per capacity at the default
 * {@code SLUICE_STRESS_SCALE=1} and 10,000,000 at 10.
 */
class ChannelChaosTest {

    static final int PRODUCERS = 8;
    static final int CONSUMERS = 8;
    static final int ROUND_ITEMS = 20_000;
    static final int PER_PRODUCER = ROUND_ITEMS / PRODUCERS;

    /** Why an item was not delivered (as its sender was told). */
    enum NotDelivered { CLOSED, INTERRUPTED, CONTEXT_DONE, TIMED_OUT, TRY_SEND_FULL, SELECT_TIMED_OUT, SELECT_CONTEXT_DONE }

    /** Counters over the whole test, for the report and for "the chaos did happen" checks. */
    static final class Tally {
        final Map<NotDelivered, LongAdder> notDelivered = new EnumMap<>(NotDelivered.class);
        final LongAdder delivered = new LongAdder();
        final LongAdder receiveInterrupted = new LongAdder();
        final LongAdder receiveContextDone = new LongAdder();
        final LongAdder receiveTimedOut = new LongAdder();
        final LongAdder interrupts = new LongAdder();
        final LongAdder cancels = new LongAdder();
        final LongAdder closesWhileSending = new LongAdder();

        Tally() {
            for (NotDelivered r : NotDelivered.values()) {
                notDelivered.put(r, new LongAdder());
            }
        }

        long notDeliveredTotal() {
            return notDelivered.values().stream().mapToLong(LongAdder::sum).sum();
        }
    }

    /** The forms of send, by the number sendOnce uses for them. */
    static final String[] SEND_FORMS = {
        "send(x)", "send(x)", "send(x)", "send(x, timeout)", "send(x, cancellable context)",
        "send(x, context with a deadline)", "trySend(x)", "select(onSend, onTimeout)", "select(onSend, onDone)",
        "send(x)"};

    /** The form of the next operation, 0-9 (5 is the one with a deadline context). */
    private static int pickForm(boolean withDeadlineContexts) {
        int form = ThreadLocalRandom.current().nextInt(withDeadlineContexts ? 10 : 9);
        return withDeadlineContexts || form < 5 ? form : form + 1;
    }

    /** Short waits: long enough to park, short enough to expire often. */
    private static Duration shortWait(ThreadLocalRandom rnd) {
        return Duration.ofNanos(rnd.nextLong(1_000, 200_000));
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 64})
    @Timeout(value = 60, unit = TimeUnit.MINUTES) // backstop; each round has its own deadline
    void everyItemIsReceivedExactlyOnceOrReportedNotDeliveredUnderInterruptsTimeoutsCancelsAndClose(int capacity)
            throws Exception {
        // Includes send(x, context) and receive(context) with deadlines of a few microseconds, the forms
        // that ContextDeadlineRaceTest showed losing items before contexts' own deadlines were used.
        chaos(capacity, true);
    }

    private static void chaos(int capacity, boolean withDeadlineContexts) throws Exception {
        int n = StressScale.items(StressScale.CI_ITEMS, ROUND_ITEMS);
        int rounds = n / ROUND_ITEMS;
        Tally tally = new Tally();
        long start = System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            runRound(capacity, round, withDeadlineContexts, tally);
        }
        long nanos = System.nanoTime() - start;

        long delivered = tally.delivered.sum();
        long notDelivered = tally.notDeliveredTotal();
        System.out.printf("chaos%s, capacity %d: %,d items in %,d rounds, %,d ms (%,.0f items/s): delivered %,d,"
                        + " not delivered %,d %s; receives interrupted %,d, context done %,d, timed out %,d;"
                        + " chaos: %,d interrupts, %,d cancels, %,d sends refused by close%n",
                withDeadlineContexts ? " (with deadline contexts)" : "", capacity, n, rounds, TimeUnit.NANOSECONDS.toMillis(nanos), n * 1e9 / nanos, delivered,
                notDelivered, tally.notDelivered, tally.receiveInterrupted.sum(), tally.receiveContextDone.sum(),
                tally.receiveTimedOut.sum(), tally.interrupts.sum(), tally.cancels.sum(),
                tally.closesWhileSending.sum());

        assertThat(delivered + notDelivered).as("items accounted for").isEqualTo(n);
        // The chaos must actually have hit the operations, or the invariant above proves little.
        assertThat(delivered).as("items delivered").isPositive();
        assertThat(tally.notDelivered.get(NotDelivered.CLOSED).sum()).as("sends refused by close").isPositive();
        assertThat(tally.notDelivered.get(NotDelivered.INTERRUPTED).sum() + tally.receiveInterrupted.sum())
                .as("operations ended by interrupt").isPositive();
        assertThat(tally.notDelivered.get(NotDelivered.CONTEXT_DONE).sum()
                + tally.notDelivered.get(NotDelivered.SELECT_CONTEXT_DONE).sum() + tally.receiveContextDone.sum())
                .as("operations ended by a done context").isPositive();
        assertThat(tally.notDelivered.get(NotDelivered.TIMED_OUT).sum()
                + tally.notDelivered.get(NotDelivered.SELECT_TIMED_OUT).sum() + tally.receiveTimedOut.sum())
                .as("operations ended by timeout").isPositive();
    }

    private static void runRound(int capacity, int round, boolean withDeadlineContexts, Tally tally) throws Exception {
        Channel<Integer> ch = Channel.bounded(capacity);
        ItemLedger received = new ItemLedger(ROUND_ITEMS);
        ItemLedger notDelivered = new ItemLedger(ROUND_ITEMS);
        // The form each item was sent with, for the failure message (each slot written by one producer,
        // read after all of them were joined).
        byte[] sentWith = new byte[ROUND_ITEMS];
        boolean[] ordered = new boolean[PRODUCERS];
        Arrays.fill(ordered, true);
        // The context each worker is waiting with right now, for the chaos thread to cancel.
        AtomicReferenceArray<CancellableContext> waitingWith = new AtomicReferenceArray<>(PRODUCERS + CONSUMERS);
        LongAdder receivedInRound = new LongAdder();
        CountDownLatch producersDone = new CountDownLatch(PRODUCERS);
        CountDownLatch workersDone = new CountDownLatch(PRODUCERS + CONSUMERS);
        // Close once this many items were received, if the producers are not done before: somewhere in the
        // second half of the round, so that most items meet the chaos before the close refuses the rest.
        int closeAt = ThreadLocalRandom.current().nextInt(ROUND_ITEMS / 2, ROUND_ITEMS * 9 / 10);
        List<Thread> targets = new ArrayList<>();

        try (Workers w = new Workers("chaos-c" + capacity + "-r" + round)) {
            w.onAbort(ch::close);
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                targets.add(w.startVirtual("producer-" + p, () -> {
                    try {
                        for (int seq = 0; seq < PER_PRODUCER; seq++) {
                            int x = seq * PRODUCERS + producer;
                            int form = pickForm(withDeadlineContexts);
                            sentWith[x] = (byte) form;
                            NotDelivered why = sendOnce(ch, x, form, producer, waitingWith, tally);
                            if (why == null) {
                                tally.delivered.increment();
                            } else {
                                tally.notDelivered.get(why).increment();
                                if (!notDelivered.mark(x)) {
                                    throw new AssertionError("item " + x + " reported not delivered twice");
                                }
                            }
                        }
                    } finally {
                        producersDone.countDown();
                        workersDone.countDown();
                    }
                }));
            }
            for (int c = 0; c < CONSUMERS; c++) {
                int slot = PRODUCERS + c;
                ChannelStressTest.Receipts r = new ChannelStressTest.Receipts(received, ordered, "consumer " + c);
                targets.add(w.startVirtual("consumer-" + c, () -> {
                    try {
                        while (true) {
                            Integer x;
                            try {
                                x = receiveOnce(ch, pickForm(withDeadlineContexts), slot, waitingWith, tally);
                            } catch (ChannelClosedException drained) {
                                break;
                            }
                            if (x != null) {
                                r.accept(x);
                                receivedInRound.increment();
                            }
                        }
                    } finally {
                        workersDone.countDown();
                    }
                }));
            }
            // A platform thread, so that its short timed waits are short (a virtual thread's timed park
            // goes through the scheduler's timer and is much coarser).
            w.startPlatform("chaos", () -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                boolean closed = false;
                // Acts in small bursts every few tens of microseconds until every worker has finished; the
                // timed await is the pace of the chaos, not a synchronisation: nothing depends on when an
                // action lands.
                while (!workersDone.await(rnd.nextInt(20, 200), TimeUnit.MICROSECONDS)) {
                    for (int k = rnd.nextInt(1, 5); k > 0; k--) {
                        if (rnd.nextBoolean()) {
                            targets.get(rnd.nextInt(targets.size())).interrupt();
                            tally.interrupts.increment();
                        } else {
                            // Cancel the context of a random worker that is waiting with one right now.
                            int from = rnd.nextInt(waitingWith.length());
                            for (int i = 0; i < waitingWith.length(); i++) {
                                CancellableContext ctx = waitingWith.get((from + i) % waitingWith.length());
                                if (ctx != null) {
                                    if (ctx.cancel()) {
                                        tally.cancels.increment();
                                    }
                                    break;
                                }
                            }
                        }
                    }
                    if (!closed && (receivedInRound.sum() >= closeAt || producersDone.getCount() == 0)) {
                        ch.close();
                        closed = true;
                    }
                }
                ch.close();
            });
            w.finish(StressScale.deadlineFor(ROUND_ITEMS));
        }

        int both = 0;
        int neither = 0;
        StringBuilder examples = new StringBuilder();
        for (int x = 0; x < ROUND_ITEMS; x++) {
            boolean got = received.isMarked(x);
            boolean refused = notDelivered.isMarked(x);
            if (got == refused) {
                if (got) {
                    both++;
                } else {
                    neither++;
                }
                if (both + neither <= 10) {
                    examples.append(String.format("%n  item %d of producer %d, sent with %s: %s", x / PRODUCERS,
                            x % PRODUCERS, SEND_FORMS[sentWith[x]],
                            got ? "received AND reported not delivered" : "neither received nor reported"));
                }
            }
        }
        if (both + neither > 0) {
            throw new AssertionError(String.format("capacity %d, round %d: %d item(s) both received and reported"
                    + " not delivered, %d neither:%s%n  channel stats: %s", capacity, round, both, neither, examples,
                    ch.stats()));
        }
        ChannelStats stats = ch.stats();
        long got = receivedInRound.sum();
        assertThat(stats.sent()).as("round %d: stats.sent vs items received", round).isEqualTo(got);
        assertThat(stats.received()).as("round %d: stats.received vs items received", round).isEqualTo(got);
        assertThat(stats.size()).as("round %d: stats.size", round).isZero();
    }

    /** One send in a random form; null if delivered, else why not. */
    private static NotDelivered sendOnce(Channel<Integer> ch, Integer x, int form, int slot,
            AtomicReferenceArray<CancellableContext> waitingWith, Tally tally) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        CancellableContext ctx = null;
        try {
            switch (form) {
                case 0, 1, 2, 9 -> ch.send(x);
                case 3 -> {
                    if (!ch.send(x, shortWait(rnd))) {
                        return NotDelivered.TIMED_OUT;
                    }
                }
                case 4 -> {
                    ctx = Context.background().withCancel();
                    waitingWith.set(slot, ctx);
                    ch.send(x, ctx);
                }
                case 5 -> ch.send(x, Context.background().withTimeout(shortWait(rnd)));
                case 6 -> {
                    if (!ch.trySend(x)) {
                        return NotDelivered.TRY_SEND_FULL;
                    }
                }
                case 7 -> {
                    if (!Select.select(ch.onSend(x, () -> true), Select.onTimeout(shortWait(rnd), () -> false))) {
                        return NotDelivered.SELECT_TIMED_OUT;
                    }
                }
                default -> {
                    ctx = Context.background().withCancel();
                    waitingWith.set(slot, ctx);
                    if (!Select.select(ch.onSend(x, () -> true), Select.onDone(ctx, () -> false))) {
                        return NotDelivered.SELECT_CONTEXT_DONE;
                    }
                }
            }
            return null;
        } catch (ChannelClosedException e) {
            tally.closesWhileSending.increment();
            return NotDelivered.CLOSED;
        } catch (InterruptedException e) {
            return NotDelivered.INTERRUPTED;
        } catch (ContextDoneException e) {
            return NotDelivered.CONTEXT_DONE;
        } finally {
            if (ctx != null) {
                waitingWith.compareAndSet(slot, ctx, null);
                ctx.cancel(); // releases its registrations; the operation is over
            }
        }
    }

    /** One receive in a random form; the item, or null if none was taken. Throws when closed and drained. */
    private static Integer receiveOnce(Channel<Integer> ch, int form, int slot,
            AtomicReferenceArray<CancellableContext> waitingWith, Tally tally) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        CancellableContext ctx = null;
        try {
            switch (form) {
                case 0, 1, 2, 9 -> {
                    return ch.receive();
                }
                case 3 -> {
                    Integer x = ch.receive(shortWait(rnd));
                    if (x == null) {
                        tally.receiveTimedOut.increment();
                    }
                    return x;
                }
                case 4 -> {
                    ctx = Context.background().withCancel();
                    waitingWith.set(slot, ctx);
                    return ch.receive(ctx);
                }
                case 5 -> {
                    Integer x = ch.receive(Context.background().withTimeout(shortWait(rnd)));
                    if (x == null) {
                        throw new AssertionError("receive(context) returned null; it has no 'nothing' value");
                    }
                    return x;
                }
                case 6 -> {
                    return ch.tryReceive();
                }
                case 7 -> {
                    Integer x = Select.select(ch.onReceive(i -> i), Select.onTimeout(shortWait(rnd), () -> null));
                    if (x == null) {
                        tally.receiveTimedOut.increment();
                    }
                    return x;
                }
                default -> {
                    ctx = Context.background().withCancel();
                    waitingWith.set(slot, ctx);
                    Integer x = Select.select(ch.onReceive(i -> i), Select.onDone(ctx, () -> null));
                    if (x == null) {
                        tally.receiveContextDone.increment();
                    }
                    return x;
                }
            }
        } catch (InterruptedException e) {
            tally.receiveInterrupted.increment();
            return null;
        } catch (ContextDoneException e) {
            tally.receiveContextDone.increment();
            return null;
        } finally {
            if (ctx != null) {
                waitingWith.compareAndSet(slot, ctx, null);
                ctx.cancel();
            }
        }
    }
}
