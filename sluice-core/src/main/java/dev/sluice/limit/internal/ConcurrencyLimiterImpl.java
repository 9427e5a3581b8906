package dev.sluice.limit.internal;

import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.internal.ContextSupport;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.FixedLimit;
import dev.sluice.limit.Limit;
import dev.sluice.limit.LimiterClosedException;
import dev.sluice.limit.Permit;
import dev.sluice.limit.QueueDelayExceededException;
import dev.sluice.limit.WaitQueueFullException;
import dev.sluice.pool.Job;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The engine behind {@link ConcurrencyLimiter}.
 */
public final class ConcurrencyLimiterImpl extends InflightCounter implements ConcurrencyLimiter {

    /*
     * Design.
     *
     * inflight: units held, one int changed only by CAS (admission) and getAndAdd (release). The fast
     * path admits with one CAS when nobody waits; it never looks at the queue beyond the volatile count
     * `waiting`. Admission stays a CAS, not a getAndAdd undone on overshoot: an overshoot, however brief,
     * would show a count above the limit to inflight() and make concurrent admissions fail spuriously.
     *
     * Scoped bodies (call/run/tryCall/tryRun) hold their units in a local variable instead of a permit, so
     * their whole fast path is the admission CAS and the release getAndAdd: no allocation, and no
     * idempotence CAS, because exactly one release runs, in the finally of the thread that was admitted.
     *
     * Waiters: a doubly linked list (head = oldest) guarded by `lock`. Every admission of a waiter is a
     * "dispatch" under the lock: take the next waiter in the discipline's order, CAS inflight for it, then
     * complete it with a CAS on its state and unpark it. A waiter that gives up (interrupt, context,
     * timeout) CASes its own state first; whoever wins that CAS decides the outcome, so a waiter is either
     * admitted (and holds its units) or gave up (and holds nothing), never both.
     *
     * No lost wake-ups: a releaser decrements inflight and then reads `waiting`; a new waiter increments
     * `waiting` and then (under the lock) dispatches, which reads inflight. Both pairs are volatile
     * accesses, so at least one side sees the other and dispatches.
     *
     * LIFO_CODEL: dispatch serves the tail (newest). Before serving it sheds from the head every waiter
     * whose sojourn reached its allowed delay: `target` once the queue has stood for `interval` (a
     * standing queue), `interval` otherwise. A waiter also wakes by itself at its own shedding time,
     * so shedding happens even when nothing else moves; that time is fixed at enqueue because the queue
     * cannot become empty while the waiter is in it.
     *
     * When a queue stands: `nonEmptySince` is when the current standing period began. It restarts when a
     * waiter joins an empty queue, unless the queue was emptied by anything but serving its last waiter
     * (shed, gave up, pushed out) less than `interval` ago. Only serving everyone shows there is room; a
     * queue that shedding emptied is still overloaded, and under an arrival stream with gaps (a stalled
     * client, a descheduled thread) it empties that way often: restarting the period each time would give
     * the next waiters the full interval again, so their refusals would come after the whole interval
     * instead of the target.
     */

    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int SHED_DELAY = 2;
    private static final int SHED_FULL = 3;
    private static final int CLOSED = 4;
    private static final int GAVE_UP = 5;

    private static final int REASON_INTERRUPT = 1;
    private static final int REASON_CONTEXT = 2;
    private static final int REASON_TIMEOUT = 3;

    private static final int OUTCOME_SUCCESS = 0;
    private static final int OUTCOME_DROPPED = 1;
    private static final int OUTCOME_IGNORED = 2;

    /** Largest weight of one permit, so that sums of weights cannot overflow an int. */
    private static final int MAX_WEIGHT = 1_000_000;

    private final String name;
    private final Limit limit;
    /** False for a fixed limit: then permits never read the clock, keeping the fast path cheap. */
    private final boolean sampling;
    private final boolean lifo;
    private final int maxWaiters;
    private final long targetNanos;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final Context.Registration limitRegistration;

    private volatile int limitValue;
    /** Number of queued waiters; written only under the lock, read anywhere. */
    private volatile int waiting;
    private volatile boolean closed;

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private Node head;
    private Node tail;
    private long nonEmptySince;
    private long emptiedAt = Long.MIN_VALUE; // when the queue last became empty; MIN_VALUE: never filled
    private boolean emptiedByService;        // ... and whether serving its last waiter did it

    public ConcurrencyLimiterImpl(String name, Limit limit, boolean lifo, int maxWaiters, long targetNanos,
                                  long intervalNanos, LongSupplier clock) {
        this.name = Objects.requireNonNull(name);
        this.limit = Objects.requireNonNull(limit);
        this.sampling = !(limit instanceof FixedLimit);
        this.lifo = lifo;
        this.maxWaiters = maxWaiters;
        this.targetNanos = targetNanos;
        this.intervalNanos = intervalNanos;
        this.clock = Objects.requireNonNull(clock);
        this.limitValue = Math.max(1, limit.currentLimit());
        this.limitRegistration = limit.onChange(this::limitChanged);
    }

    // ------------------------------------------------------------------ acquiring

    @Override
    public Permit tryAcquire() {
        if (closed) {
            throw closedException();
        }
        int now;
        if (waiting == 0 && (now = tryReserve(1)) >= 0) {
            return newPermit(1, now);
        }
        return null;
    }

    @Override
    public Permit tryAcquire(int weight) {
        checkWeight(weight);
        if (closed) {
            throw closedException();
        }
        if (waiting == 0) {
            int now = tryReserve(weight);
            if (now >= 0) {
                return newPermit(weight, now);
            }
        }
        return null;
    }

    @Override
    public Permit acquire() throws InterruptedException {
        int now;
        if (!Thread.currentThread().isInterrupted() && !closed && waiting == 0 && (now = tryReserve(1)) >= 0) {
            return newPermit(1, now);
        }
        return newPermit(1, admit(1, null, false, 0L));
    }

    @Override
    public Permit acquire(int weight) throws InterruptedException {
        return newPermit(weight, admit(weight, null, false, 0L));
    }

    @Override
    public Permit acquire(Context context) throws InterruptedException {
        return acquire(context, 1);
    }

    @Override
    public Permit acquire(Context context, int weight) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        checkWeight(weight);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        context.throwIfDone();
        int now;
        if (weight == 1 && !closed && waiting == 0 && (now = tryReserve(1)) >= 0) {
            return newPermit(1, now);
        }
        boolean timed = context.hasDeadline();
        return newPermit(weight, admit(weight, context, timed, timed ? System.nanoTime() + context.remainingNanos() : 0L));
    }

    @Override
    public Permit tryAcquire(Duration timeout) throws InterruptedException {
        return tryAcquire(1, timeout);
    }

    @Override
    public Permit tryAcquire(int weight, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long nanos;
        try {
            nanos = Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException overflow) {
            nanos = timeout.isNegative() ? 0L : Long.MAX_VALUE / 4;
        }
        int now = admit(weight, null, true, System.nanoTime() + Math.max(0L, nanos));
        return now < 0 ? null : newPermit(weight, now);
    }

    /**
     * Blocking admission; {@code deadline} is on System.nanoTime (the context's and timeouts' clock).
     * Returns the in-flight units just after admission (at least 1), or -1 if a timeout (not a context)
     * ran out first.
     */
    private int admit(int weight, Context ctx, boolean timed, long deadline) throws InterruptedException {
        checkWeight(weight);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (closed) {
            throw closedException();
        }
        if (waiting == 0) {
            int now = tryReserve(weight);
            if (now >= 0) {
                return now;
            }
        }
        if (timed && ctx == null && deadline - System.nanoTime() <= 0) {
            return -1; // zero or expired timeout: behave like tryAcquire
        }
        Node node;
        lock.lock();
        try {
            if (closed) {
                throw closedException();
            }
            long now = clock.getAsLong();
            if (waiting >= maxWaiters) {
                if (!lifo || head == null) {
                    throw new WaitQueueFullException("limiter '" + name + "': " + waiting
                            + " callers already waiting (maxWaiters " + maxWaiters + ")");
                }
                Node oldest = head;
                unlinkLocked(oldest);
                if (oldest.complete(SHED_FULL)) {
                    LockSupport.unpark(oldest.thread);
                }
            }
            if (head == null && (emptiedByService || emptiedAt == Long.MIN_VALUE || now - emptiedAt >= intervalNanos)) {
                nonEmptySince = now; // a new period; else the standing period that shedding interrupted goes on
            }
            node = new Node(Thread.currentThread(), weight, now);
            node.shedAt = Math.min(now + intervalNanos, Math.max(now + targetNanos, nonEmptySince + intervalNanos));
            linkLastLocked(node);
            dispatchLocked(now);
        } finally {
            lock.unlock();
        }
        return await(node, ctx, timed, deadline);
    }

    private int await(Node node, Context ctx, boolean timed, long deadline) throws InterruptedException {
        Thread me = node.thread;
        Context.Registration reg = ctx == null || node.state != WAITING
                ? Context.Registration.NONE
                : ContextSupport.onCancel(ctx, () -> LockSupport.unpark(me));
        try {
            while (node.state == WAITING) {
                int reason = 0;
                if (Thread.interrupted()) {
                    reason = REASON_INTERRUPT;
                } else if (ctx != null && ctx.isDone()) {
                    reason = REASON_CONTEXT;
                } else {
                    long parkNanos = Long.MAX_VALUE;
                    if (timed) {
                        parkNanos = deadline - System.nanoTime();
                        if (parkNanos <= 0) {
                            reason = ctx != null ? REASON_CONTEXT : REASON_TIMEOUT;
                        }
                    }
                    if (reason == 0 && lifo) {
                        long untilShed = node.shedAt - clock.getAsLong();
                        if (untilShed <= 0) {
                            shedNow();
                            if (node.state != WAITING) {
                                break;
                            }
                            // Not shed at our time (a clock that stands still): look again later, never spin.
                            untilShed = Math.max(targetNanos, 1_000_000L);
                        }
                        parkNanos = Math.min(parkNanos, untilShed);
                    }
                    if (reason == 0) {
                        if (parkNanos == Long.MAX_VALUE) {
                            LockSupport.park(this);
                        } else {
                            LockSupport.parkNanos(this, parkNanos);
                        }
                    }
                }
                if (reason != 0) {
                    if (node.complete(GAVE_UP)) {
                        giveUp(node);
                        if (reason == REASON_INTERRUPT) {
                            throw new InterruptedException();
                        }
                        if (reason == REASON_TIMEOUT) {
                            return -1;
                        }
                        ctx.throwIfDone();
                        // The wait's deadline was the context's, so it is done; this line is a safety net.
                        throw new DeadlineExceededException("context deadline exceeded");
                    }
                    if (reason == REASON_INTERRUPT) {
                        me.interrupt(); // admitted first: the permit wins, the interrupt stays visible
                    }
                }
            }
        } finally {
            reg.close();
        }
        return switch (node.state) {
            case GRANTED -> node.inflightAtGrant;
            case SHED_DELAY -> throw new QueueDelayExceededException("limiter '" + name
                    + "': shed after queueing longer than the allowed delay (LIFO_CODEL)");
            case SHED_FULL -> throw new WaitQueueFullException("limiter '" + name
                    + "': pushed out of the full wait queue by newer waiters (LIFO_CODEL, maxWaiters " + maxWaiters + ")");
            case CLOSED -> throw closedException();
            default -> throw new IllegalStateException("unexpected waiter state " + node.state);
        };
    }

    private void giveUp(Node node) {
        lock.lock();
        try {
            if (node.linked) {
                unlinkLocked(node);
            }
            // The waiter that left may have been holding back others (a heavy head, or LIFO's tail).
            dispatchLocked(clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    private void shedNow() {
        lock.lock();
        try {
            shedExpiredLocked(clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /** Reserves {@code weight} units if they fit (or nothing is in flight). Returns inflight after, or -1. */
    private int tryReserve(int weight) {
        for (;;) {
            int cur = inflight;
            int next = cur + weight;
            if (cur != 0 && next > limitValue) {
                return -1;
            }
            if (INFLIGHT.compareAndSet(this, cur, next)) {
                return next;
            }
        }
    }

    private Permit newPermit(int weight, int inflightNow) {
        return sampling ? new SampledPermit(this, weight, clock.getAsLong(), inflightNow) : new PermitImpl(this, weight);
    }

    // ------------------------------------------------------------------ scoped bodies

    @Override
    public <T> T call(Context context, int weight, Callable<? extends T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        return callAdmitted(weight, admitScoped(context, weight), body);
    }

    @Override
    public void run(Context context, int weight, Job body) throws Exception {
        Objects.requireNonNull(body, "body");
        runAdmitted(weight, admitScoped(context, weight), body);
    }

    @Override
    public boolean tryRun(int weight, Job body) throws Exception {
        Objects.requireNonNull(body, "body");
        int now = tryAdmitScoped(weight);
        if (now < 0) {
            return false;
        }
        runAdmitted(weight, now, body);
        return true;
    }

    @Override
    public <T> T tryCall(int weight, Callable<? extends T> body, T ifBusy) throws Exception {
        Objects.requireNonNull(body, "body");
        int now = tryAdmitScoped(weight);
        return now < 0 ? ifBusy : callAdmitted(weight, now, body);
    }

    /** What acquire(Context, weight) does, without the permit: returns the in-flight units after admission. */
    private int admitScoped(Context context, int weight) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        checkWeight(weight);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        context.throwIfDone();
        int now;
        if (!closed && waiting == 0 && (now = tryReserve(weight)) >= 0) {
            return now;
        }
        boolean timed = context.hasDeadline();
        return admit(weight, context, timed, timed ? System.nanoTime() + context.remainingNanos() : 0L);
    }

    /** What tryAcquire(weight) does, without the permit: the in-flight units after admission, or -1. */
    private int tryAdmitScoped(int weight) {
        checkWeight(weight);
        if (closed) {
            throw closedException();
        }
        return waiting == 0 ? tryReserve(weight) : -1;
    }

    private <T> T callAdmitted(int weight, int inflightNow, Callable<? extends T> body) throws Exception {
        long start = sampling ? clock.getAsLong() : 0L;
        T result;
        try {
            result = body.call();
        } catch (Throwable t) {
            releaseScoped(weight, start, inflightNow, ScopedRelease.signalsOverload(t) ? OUTCOME_DROPPED : OUTCOME_IGNORED);
            throw t;
        }
        releaseScoped(weight, start, inflightNow, OUTCOME_SUCCESS);
        return result;
    }

    private void runAdmitted(int weight, int inflightNow, Job body) throws Exception {
        long start = sampling ? clock.getAsLong() : 0L;
        try {
            body.run();
        } catch (Throwable t) {
            releaseScoped(weight, start, inflightNow, ScopedRelease.signalsOverload(t) ? OUTCOME_DROPPED : OUTCOME_IGNORED);
            throw t;
        }
        releaseScoped(weight, start, inflightNow, OUTCOME_SUCCESS);
    }

    /** The one release of a scoped body; the same steps as a permit's, without the permit's state. */
    private void releaseScoped(int weight, long startNanos, int inflightAtStart, int outcome) {
        INFLIGHT.getAndAdd(this, -weight);
        if (sampling && outcome != OUTCOME_IGNORED) {
            limit.onSample(startNanos, Math.max(0L, clock.getAsLong() - startNanos), inflightAtStart, outcome == OUTCOME_DROPPED);
        }
        if (waiting > 0) {
            dispatch();
        }
    }

    // ------------------------------------------------------------------ releasing

    void release(PermitImpl p, int outcome) {
        INFLIGHT.getAndAdd(this, -p.weight);
        p.markReleased();
        if (outcome != OUTCOME_IGNORED && p instanceof SampledPermit sp) {
            long rtt = clock.getAsLong() - sp.startNanos;
            limit.onSample(sp.startNanos, Math.max(0L, rtt), sp.inflightAtStart, outcome == OUTCOME_DROPPED);
        }
        if (waiting > 0) {
            dispatch();
        }
    }

    private void limitChanged(int newLimit) {
        limitValue = Math.max(1, newLimit);
        if (waiting > 0) {
            dispatch();
        }
    }

    private void dispatch() {
        lock.lock();
        try {
            dispatchLocked(clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /** Admits waiters in the discipline's order while the next one fits. */
    private void dispatchLocked(long now) {
        if (lifo) {
            shedExpiredLocked(now);
        }
        while (head != null) {
            Node next = lifo ? tail : head;
            if (next.state != WAITING) {
                unlinkLocked(next); // it is giving up; it finds itself unlinked
                continue;
            }
            int after = tryReserve(next.weight);
            if (after < 0) {
                return;
            }
            unlinkLocked(next);
            if (head == null) {
                emptiedByService = true; // (emptiedAt was set by unlinkLocked)
            }
            next.inflightAtGrant = after; // published by the completing CAS
            if (next.complete(GRANTED)) {
                LockSupport.unpark(next.thread);
            } else {
                INFLIGHT.getAndAdd(this, -next.weight); // it gave up first: undo the reservation
            }
        }
    }

    private void shedExpiredLocked(long now) {
        if (head == null) {
            return;
        }
        long allowed = now - nonEmptySince >= intervalNanos ? targetNanos : intervalNanos;
        while (head != null && now - head.enqueuedAt >= allowed) {
            Node old = head;
            unlinkLocked(old);
            if (old.complete(SHED_DELAY)) {
                LockSupport.unpark(old.thread);
            }
        }
    }

    private void linkLastLocked(Node n) {
        n.prev = tail;
        if (tail == null) {
            head = n;
        } else {
            tail.next = n;
        }
        tail = n;
        n.linked = true;
        waiting = waiting + 1; // volatile write: pairs with the releaser's read (see Design)
    }

    private void unlinkLocked(Node n) {
        if (n.prev == null) {
            head = n.next;
        } else {
            n.prev.next = n.next;
        }
        if (n.next == null) {
            tail = n.prev;
        } else {
            n.next.prev = n.prev;
        }
        n.prev = n.next = null;
        n.linked = false;
        waiting = waiting - 1;
        if (head == null && lifo) {
            emptiedAt = clock.getAsLong();
            emptiedByService = false; // the grant path sets it right after, when serving emptied the queue
        }
    }

    // ------------------------------------------------------------------ closing and queries

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            while (head != null) {
                Node n = head;
                unlinkLocked(n);
                if (n.complete(CLOSED)) {
                    LockSupport.unpark(n.thread);
                }
            }
        } finally {
            lock.unlock();
        }
        limitRegistration.close();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public int limit() {
        return limitValue;
    }

    @Override
    public int inflight() {
        return inflight;
    }

    @Override
    public int waiting() {
        return waiting;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "ConcurrencyLimiter[" + name + ", limit=" + limitValue + ", inflight=" + inflight + ", waiting=" + waiting
                + (lifo ? ", LIFO_CODEL" : ", FIFO") + (closed ? ", closed" : "") + "]";
    }

    private LimiterClosedException closedException() {
        return new LimiterClosedException("limiter '" + name + "' is closed");
    }

    private static void checkWeight(int weight) {
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be in [1, " + MAX_WEIGHT + "], was " + weight);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A queued caller. Links guarded by the limiter's lock; state decided by CAS. */
    private static final class Node {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Node.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final Thread thread;
        final int weight;
        final long enqueuedAt;
        long shedAt;
        /** Written by the dispatcher before the GRANTED CAS; read by the owner after seeing GRANTED. */
        int inflightAtGrant;
        volatile int state;
        Node prev;
        Node next;
        boolean linked;

        Node(Thread thread, int weight, long enqueuedAt) {
            this.thread = thread;
            this.weight = weight;
            this.enqueuedAt = enqueuedAt;
        }

        boolean complete(int outcome) {
            return STATE.compareAndSet(this, WAITING, outcome);
        }
    }

    /**
     * A held permit. The first of the three releases wins the CAS on {@code state} (HELD to RELEASING),
     * gives the units back, then marks it RELEASED; the others wait for that mark and do nothing, so that
     * when any release call returns the capacity is back (Lincheck found the earlier version, where a
     * losing call could return first, not linearizable). The CAS is the price of a release that is
     * idempotent from any thread (a watchdog's releaseDropped racing the request's own close): with a
     * plain flag two threads that do not synchronise could both give the units back, letting one caller
     * too many in. A plain read first keeps repeated closes on one thread free of it.
     */
    static class PermitImpl implements Permit {
        private static final int HELD = 0;
        private static final int RELEASING = 1;
        private static final int RELEASED = 2;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(PermitImpl.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final ConcurrencyLimiterImpl owner;
        final int weight;
        private volatile int state;

        PermitImpl(ConcurrencyLimiterImpl owner, int weight) {
            this.owner = owner;
            this.weight = weight;
        }

        private void release(int outcome) {
            if (state == HELD && STATE.compareAndSet(this, HELD, RELEASING)) {
                owner.release(this, outcome);
            } else {
                awaitReleased();
            }
        }

        /** Called by the winning release right after the units are back. */
        void markReleased() {
            STATE.setRelease(this, RELEASED);
        }

        /** A losing release: the winner is a few instructions from marking it, unless it was descheduled. */
        private void awaitReleased() {
            for (int spins = 0; state != RELEASED; spins++) {
                if (spins < 64) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        @Override
        public final void close() {
            release(OUTCOME_SUCCESS);
        }

        @Override
        public final void releaseDropped() {
            release(OUTCOME_DROPPED);
        }

        @Override
        public final void releaseIgnored() {
            release(OUTCOME_IGNORED);
        }

        @Override
        public final int weight() {
            return weight;
        }

        /** Waits out a release in progress, so that a true answer means the units are back. */
        @Override
        public final boolean isReleased() {
            int s = state;
            if (s == RELEASING) {
                awaitReleased();
                return true;
            }
            return s == RELEASED;
        }

        @Override
        public String toString() {
            return "Permit[" + owner.name + ", weight=" + weight + (state != HELD ? ", released" : "") + "]";
        }
    }

    /** A permit under an adaptive limit: it also carries what its sample needs. */
    static final class SampledPermit extends PermitImpl {
        final long startNanos;
        final int inflightAtStart;

        SampledPermit(ConcurrencyLimiterImpl owner, int weight, long startNanos, int inflightAtStart) {
            super(owner, weight);
            this.startNanos = startNanos;
            this.inflightAtStart = inflightAtStart;
        }
    }
}
