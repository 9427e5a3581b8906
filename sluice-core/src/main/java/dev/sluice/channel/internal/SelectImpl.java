package dev.sluice.channel.internal;

import dev.sluice.Context;
import dev.sluice.channel.Clause;
import dev.sluice.internal.ContextSupport;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Select over sluice channels, following Go's runtime/select.go.
 *
 * <ol>
 * <li>Lock every distinct channel, in id order (a global order, so selects cannot deadlock each other).
 * <li>Visit the clauses in a fresh random order and perform the first that is ready; a uniformly random
 *     permutation makes the first ready clause uniformly random among the ready ones.
 * <li>None ready: with a default, unlock and run it. Otherwise enqueue one waiter per channel clause,
 *     all sharing one {@link SelectState}, unlock, and park. A counterpart completes the select by
 *     winning the CAS on that state; timeout, a done context or an interrupt wins it with GAVE_UP.
 * <li>Dequeue the waiters of the clauses that did not win, then run the winning clause's function
 *     outside every lock.
 * </ol>
 */
public final class SelectImpl {

    private static final Object NOT_READY = new Object();

    private SelectImpl() { }

    public static <R> Clause<R> timeout(Duration d, Supplier<? extends R> then) {
        Objects.requireNonNull(d, "timeout");
        Objects.requireNonNull(then, "then");
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException overflow) {
            nanos = d.isNegative() ? 0L : Long.MAX_VALUE / 2;
        }
        return new SelectClauses.Timeout<>(Math.min(Math.max(nanos, 0L), Long.MAX_VALUE / 2), then);
    }

    public static <R> Clause<R> done(Context ctx, Supplier<? extends R> then) {
        return new SelectClauses.Done<>(Objects.requireNonNull(ctx, "context"), Objects.requireNonNull(then, "then"));
    }

    /**
     * Runs a select. With {@code otherwise == null} it waits for a clause; otherwise it never waits.
     */
    @SuppressWarnings("unchecked")
    public static <R> R select(Clause<? extends R>[] clauses, Supplier<? extends R> otherwise) throws InterruptedException {
        Objects.requireNonNull(clauses, "clauses");
        int n = clauses.length;
        if (n == 0 && otherwise == null) {
            throw new IllegalArgumentException("select needs at least one clause (with none it would wait forever)");
        }
        SelectClauses.Any<R>[] cs = new SelectClauses.Any[n];
        for (int i = 0; i < n; i++) {
            Clause<? extends R> c = Objects.requireNonNull(clauses[i], "clause " + i);
            if (!(c instanceof SelectClauses.Any<?> any)) {
                throw new IllegalArgumentException("clause " + i + " was not made by sluice (" + c.getClass().getName()
                        + "): use onReceive, onSend, Select.onTimeout or Select.onDone");
            }
            cs[i] = (SelectClauses.Any<R>) any;
        }
        long start = System.nanoTime();
        ChannelImpl<?>[] channels = lockOrder(cs);

        int[] order = shuffled(n);
        int readyIndex = -1;
        Object readyValue = null;
        SelectState state = null;
        Waiter[] waiters = null;
        lockAll(channels);
        try {
            for (int k = 0; k < n && readyIndex < 0; k++) {
                int i = order[k];
                Object v = tryNow(cs[i]);
                if (v != NOT_READY) {
                    readyIndex = i;
                    readyValue = v;
                }
            }
            if (readyIndex < 0 && otherwise == null) {
                state = new SelectState(Thread.currentThread());
                waiters = new Waiter[n];
                for (int i = 0; i < n; i++) {
                    if (cs[i] instanceof SelectClauses.Receive<?, ?> r) {
                        waiters[i] = new Waiter(state, i, null);
                        r.channel().registerForSelect(waiters[i], false);
                    } else if (cs[i] instanceof SelectClauses.Send<?, ?> s) {
                        waiters[i] = new Waiter(state, i, s.item());
                        s.channel().registerForSelect(waiters[i], true);
                    }
                }
            }
        } finally {
            unlockAll(channels);
        }
        if (readyIndex >= 0) {
            return run(cs[readyIndex], readyValue);
        }
        if (otherwise != null) {
            return otherwise.get();
        }
        return await(cs, waiters, state, start);
    }

    /** The clause's result value if it can complete now (performing it), else NOT_READY. Locks held. */
    private static Object tryNow(SelectClauses.Any<?> c) {
        if (c instanceof SelectClauses.Receive<?, ?> r) {
            Object x = r.channel().pollForSelect();
            return x == null ? NOT_READY : x;
        }
        if (c instanceof SelectClauses.Send<?, ?> s) {
            return s.channel().offerForSelect(s.item()) ? Boolean.TRUE : NOT_READY;
        }
        if (c instanceof SelectClauses.Timeout<?> t) {
            return t.nanos() <= 0 ? Boolean.TRUE : NOT_READY;
        }
        SelectClauses.Done<?> d = (SelectClauses.Done<?>) c;
        return d.context().isDone() ? Boolean.TRUE : NOT_READY;
    }

    private static <R> R run(SelectClauses.Any<R> c, Object value) {
        if (c instanceof SelectClauses.Receive<?, ?> r) {
            @SuppressWarnings("unchecked")
            R result = (R) r.complete(value);
            return result;
        }
        if (c instanceof SelectClauses.Send<?, ?> s) {
            @SuppressWarnings("unchecked")
            R result = (R) s.then().get();
            return result;
        }
        if (c instanceof SelectClauses.Timeout<R> t) {
            return t.then().get();
        }
        return ((SelectClauses.Done<R>) c).then().get();
    }

    private static <R> R await(SelectClauses.Any<R>[] cs, Waiter[] waiters, SelectState state, long start)
            throws InterruptedException {
        int n = cs.length;
        // The earliest timeout or context deadline bounds the park; a cancellation unparks us.
        long deadline = 0L;
        boolean timed = false;
        int firstTimeout = -1;
        Context.Registration[] regs = null;
        Thread me = state.thread;
        for (int i = 0; i < n; i++) {
            long d;
            if (cs[i] instanceof SelectClauses.Timeout<?> t) {
                d = start + t.nanos();
            } else if (cs[i] instanceof SelectClauses.Done<?> dc) {
                if (regs == null) {
                    regs = new Context.Registration[n];
                }
                regs[i] = ContextSupport.onCancel(dc.context(), () -> LockSupport.unpark(me));
                if (!dc.context().hasDeadline()) {
                    continue;
                }
                d = ContextSupport.deadlineNanos(dc.context());
            } else {
                continue;
            }
            if (!timed || d - deadline < 0) {
                deadline = d;
                timed = true;
                firstTimeout = i;
            }
        }
        int gaveUpFor = -1;
        boolean interrupted = false;
        try {
            while (state.state() == null) {
                int reason = -1;
                boolean intr = false;
                if (Thread.interrupted()) {
                    intr = true;
                } else {
                    for (int i = 0; i < n && reason < 0; i++) {
                        if (cs[i] instanceof SelectClauses.Done<?> dc && dc.context().isDone()) {
                            reason = i;
                        }
                    }
                    if (reason < 0 && timed) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            reason = firstTimeout;
                        } else {
                            LockSupport.parkNanos(state, left);
                        }
                    } else if (reason < 0) {
                        LockSupport.park(state);
                    }
                }
                if (intr || reason >= 0) {
                    if (state.tryGiveUp()) {
                        gaveUpFor = reason;
                        interrupted = intr;
                    } else if (intr) {
                        me.interrupt(); // a channel clause won at the same moment: it counts
                    }
                    break;
                }
            }
        } finally {
            if (regs != null) {
                for (Context.Registration r : regs) {
                    if (r != null) {
                        r.close();
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                Waiter w = waiters[i];
                if (w != null && state.state() != w) {
                    ((ChannelImpl<?>) channelOf(cs[i])).unregisterForSelect(w, cs[i] instanceof SelectClauses.Send);
                }
            }
        }
        long waited = System.nanoTime() - start;
        for (SelectClauses.Any<R> c : cs) {
            if (c instanceof SelectClauses.Send<?, ?> send) {
                send.channel().addBlockedNanos(waited);
            }
        }
        if (interrupted) {
            throw new InterruptedException();
        }
        if (gaveUpFor >= 0) {
            return run(cs[gaveUpFor], null);
        }
        Waiter winner = (Waiter) state.state();
        SelectClauses.Any<R> c = cs[winner.clauseIndex];
        if (winner.outcome == Waiter.CLOSED) {
            throw channelOf(c).closedException(c instanceof SelectClauses.Send);
        }
        return run(c, winner.item);
    }

    private static ChannelImpl<?> channelOf(SelectClauses.Any<?> c) {
        if (c instanceof SelectClauses.Receive<?, ?> r) {
            return r.channel();
        }
        return ((SelectClauses.Send<?, ?>) c).channel();
    }

    private static ChannelImpl<?>[] lockOrder(SelectClauses.Any<?>[] cs) {
        ChannelImpl<?>[] chans = new ChannelImpl<?>[cs.length];
        int m = 0;
        for (SelectClauses.Any<?> c : cs) {
            if (c instanceof SelectClauses.Receive<?, ?> || c instanceof SelectClauses.Send<?, ?>) {
                chans[m++] = channelOf(c);
            }
        }
        Arrays.sort(chans, 0, m, Comparator.comparingLong(ch -> ch.id));
        int distinct = 0;
        for (int i = 0; i < m; i++) {
            if (distinct == 0 || chans[distinct - 1] != chans[i]) {
                chans[distinct++] = chans[i];
            }
        }
        return Arrays.copyOf(chans, distinct);
    }

    private static void lockAll(ChannelImpl<?>[] channels) {
        for (ChannelImpl<?> ch : channels) {
            ch.acquire();
        }
    }

    private static void unlockAll(ChannelImpl<?>[] channels) {
        for (int i = channels.length - 1; i >= 0; i--) {
            channels[i].lock.unlock();
        }
    }

    private static int[] shuffled(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
