package dev.sluice.channel.internal;

import dev.sluice.Context;
import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ChannelFullException;
import dev.sluice.channel.ChannelStats;
import dev.sluice.channel.Clause;
import dev.sluice.channel.Overflow;
import dev.sluice.internal.ContextSupport;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The channel engine: a ring buffer and two FIFO queues of parked waiters, all guarded by one lock.
 */
public final class ChannelImpl<T> implements Channel<T> {
    /*
     * Implementation overview
     *
     * The design is Go's runtime channel (runtime/chan.go) with Java's tools: one ReentrantLock per
     * channel (never synchronized, so virtual threads unmount while they wait for it), a circular buffer,
     * a queue of parked senders and one of parked receivers. Invariants, under the lock:
     *
     *   - parked receivers exist only while the buffer is empty;
     *   - parked senders exist only while the buffer is full (always, for capacity 0);
     *   - a receiver that takes from a full buffer refills it from the first parked sender, so FIFO order
     *     holds across the buffer and the parked senders.
     *
     * Hand-off, not notification: a counterpart completes a parked waiter by writing the item into the
     * waiter and CAS-ing its state, after removing it from the queue under the lock. The woken thread
     * never re-acquires the lock and can never find "its" item stolen, so there are no lost or spurious
     * hand-offs to repair. A waiter that gives up (timeout, interrupt, context) CASes its own state first;
     * whichever CAS wins decides, so an item is either delivered exactly once or reported as not
     * delivered. Select waiters share one CAS cell per select (SelectState), which is how one select
     * parked on several channels is completed by at most one of them.
     *
     * Nothing that can block or call user code runs under the lock: unpark and onDrop happen after
     * unlock on the single-operation paths.
     *
     * Platform threads spin briefly before parking, because an OS park/unpark round trip costs
     * microseconds while the counterpart is often only nanoseconds away; virtual threads park at once,
     * since spinning would hold a carrier that the counterpart may need.
     */

    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(ChannelImpl.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /** Spins (Thread.onSpinWait) a platform thread makes before parking. */
    private static final int SPINS = 512;
    /** Attempts to take the lock before queueing on it. */
    private static final int LOCK_SPINS = Integer.getInteger("sluice.lockSpins", 0);

    private static final int SENT = 0;
    private static final int DROPPED = 1;
    private static final int REJECTED = 2;
    private static final int WAIT = 3;

    private static final int GAVE_UP_TIMEOUT = 10;
    private static final int GAVE_UP_INTERRUPT = 11;
    private static final int GAVE_UP_CONTEXT = 12;

    /** Lock order for select, which locks several channels at once. */
    final long id = IDS.incrementAndGet();
    final ReentrantLock lock = new ReentrantLock();

    private final Object[] buffer;
    private final int capacity;
    private final Overflow overflow;
    private final String name;
    private final Consumer<? super T> onDrop;
    private final BatchHolder holder;
    private final int senderSpins;
    /** Failed tryLock attempts before {@link #acquire()} queues on the lock (and may park). */
    private final int lockSpins;

    /**
     * Who takes items in batches and holds them until it starts them (the worker pool). Its count of
     * held items only falls outside the channel's lock; it rises only under it (in {@link #tryReceiveInto}'s
     * callback or in {@link #underLock}).
     */
    public interface BatchHolder {
        /**
         * Items taken in batches and not yet started, counted exactly; called with the lock held. The
         * holder resets its sinks' bounds (see {@link BatchSink#taken}) to the figures it counted.
         */
        int recountHeld();
    }

    /** One receiver of batches (a worker), as seen by {@link #tryReceiveInto} under the lock. */
    public interface BatchSink {
        /**
         * Publishes the n items just taken, of which the first is started at once. Called only when the
         * sink holds no unstarted item. Returns the part of the channel's bound on held items this sink
         * stood for until now, which it gives up (its held items were all started or moved to another
         * sink since); from then on it stands for n - 1. {@code stillBuffered} is the number of items left
         * in the buffer after the take.
         */
        int taken(int n, int stillBuffered);
    }

    // Guarded by lock.
    private int head;
    private int count;
    /**
     * For a channel built with a {@link BatchHolder}: an upper bound of the items taken in batches and not
     * yet started, counted against the capacity. It is at least the sum of the sinks' own bounds, each at
     * least what that sink holds. A take replaces the taker's part (it holds nothing then) by its new
     * batch, so the bound stays near the truth without reading the workers; when a send still finds no
     * room, it is lowered to the exact figure (see room()).
     */
    private int heldBound;
    /** Set under the lock when a sender may park for lack of room; read by batch holders after each start. */
    private volatile boolean sendersParked;
    final WaitQueue senders = new WaitQueue();
    final WaitQueue receivers = new WaitQueue();
    private volatile Throwable failure;
    private long sent;
    private long received;
    private long dropped;
    private long rejected;
    private long blockedSends;
    private int highWaterMark;
    /** The item takeFromSender() took, passed to its caller under the lock. */
    private Object taken;

    /** Written under the lock; read without it by isClosed(). */
    private volatile boolean closed;
    private final AtomicLong blockedNanos = new AtomicLong();

    public ChannelImpl(int capacity, Overflow overflow, String name, Consumer<? super T> onDrop) {
        this(capacity, overflow, name, onDrop, null, SPINS);
    }

    /**
     * For the worker pool: a BLOCK channel whose receivers take items in batches ({@link #tryReceiveInto}),
     * with {@code holder} counting the taken items not yet started so that they still count against the
     * capacity, whose parked senders spin {@code senderSpins} times before parking, and whose lock is tried
     * {@code lockSpins} times before a thread queues on it.
     */
    public ChannelImpl(int capacity, String name, BatchHolder holder, int senderSpins, int lockSpins) {
        this(capacity, Overflow.BLOCK, name, null, holder, senderSpins, lockSpins);
    }

    private ChannelImpl(int capacity, Overflow overflow, String name, Consumer<? super T> onDrop, BatchHolder holder,
            int senderSpins) {
        this(capacity, overflow, name, onDrop, holder, senderSpins, LOCK_SPINS);
    }

    private ChannelImpl(int capacity, Overflow overflow, String name, Consumer<? super T> onDrop, BatchHolder holder,
            int senderSpins, int lockSpins) {
        this.holder = holder;
        this.senderSpins = senderSpins;
        this.lockSpins = lockSpins;
        this.capacity = capacity;
        this.buffer = new Object[capacity];
        this.overflow = overflow;
        this.name = name;
        this.onDrop = onDrop;
    }

    // ------------------------------------------------------------------ sending

    /**
     * Takes the lock, trying a few times before queueing on it: the sections it guards are a few dozen
     * nanoseconds of CPU work, so a short wait usually wins, where queueing parks the thread (an OS wait
     * or a virtual-thread unmount, microseconds) and allocates a queue node. Barging is harmless here:
     * fairness among waiting senders and receivers comes from the channel's own wait queues.
     */
    void acquire() {
        for (int i = 0; !lock.tryLock(); i++) {
            if (i >= lockSpins) {
                lock.lock();
                return;
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public boolean trySend(T item) {
        Objects.requireNonNull(item, "item");
        Waiter woken;
        T evicted = null;
        acquire();
        try {
            ensureOpenForSend();
            woken = handToReceiver(item);
            if (woken == null) {
                if (room()) {
                    enqueue(item);
                    sent++;
                } else if (overflow == Overflow.DROP_OLDEST) {
                    evicted = evictAndEnqueue(item);
                } else {
                    rejected++;
                    return false;
                }
            }
        } finally {
            lock.unlock();
        }
        wake(woken);
        if (evicted != null) {
            handToOnDrop(evicted);
        }
        return true;
    }

    @Override
    public void send(T item) throws InterruptedException {
        send(item, false, 0L, null);
    }

    @Override
    public boolean send(T item, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return send(item, true, System.nanoTime() + clampNanos(timeout), null);
    }

    @Override
    public void send(T item, Context context) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(item, "item");
        context.throwIfDone();
        boolean timed = context.hasDeadline();
        send(item, timed, timed ? ContextSupport.deadlineNanos(context) : 0L, context);
    }

    private boolean send(T item, boolean timed, long deadline, Context ctx) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        Waiter woken = null;
        Waiter self = null;
        T evicted = null;
        int action;
        acquire();
        try {
            ensureOpenForSend();
            woken = handToReceiver(item);
            if (woken != null) {
                action = SENT;
            } else if (room() || (holder != null && senderMayPark())) {
                enqueue(item);
                sent++;
                action = SENT;
            } else {
                switch (overflow) {
                    case DROP_NEWEST -> {
                        dropped++;
                        action = DROPPED;
                    }
                    case DROP_OLDEST -> {
                        evicted = evictAndEnqueue(item);
                        action = SENT;
                    }
                    case REJECT -> {
                        rejected++;
                        action = REJECTED;
                    }
                    default -> {
                        if (timed && deadline - System.nanoTime() <= 0) {
                            if (ctx != null) {
                                throw contextDone(ctx);
                            }
                            rejected++;
                            return false;
                        }
                        if (Thread.interrupted()) {
                            throw new InterruptedException();
                        }
                        self = Waiter.forThisThread(item);
                        senders.add(self);
                        blockedSends++;
                        action = WAIT;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        switch (action) {
            case SENT -> {
                wake(woken);
                if (evicted != null) {
                    handToOnDrop(evicted);
                }
                return true;
            }
            case DROPPED -> {
                handToOnDrop(item);
                return false; // not sent: the timed form reports it; send(T) and send(T, Context) return normally
            }
            case REJECTED -> throw new ChannelFullException("channel '" + name + "' is full (capacity " + capacity
                    + ", policy REJECT)");
            default -> {
                long start = System.nanoTime();
                int outcome = await(self, senders, timed, deadline, ctx);
                self.item = null; // counterparts read it before completing; it is off every queue now
                blockedNanos.addAndGet(System.nanoTime() - start);
                return switch (outcome) {
                    case Waiter.DONE -> true;
                    case Waiter.CLOSED -> throw new ChannelClosedException("channel '" + name
                            + "' closed while the item waited to be sent; it was not delivered", failure);
                    case GAVE_UP_TIMEOUT -> {
                        if (ctx != null) {
                            throw contextDone(ctx);
                        }
                        yield false;
                    }
                    case GAVE_UP_INTERRUPT -> throw new InterruptedException();
                    default -> throw contextDone(ctx);
                };
            }
        }
    }

    /** Removes waiting receivers until one accepts {@code item}; returns it (to wake), or null. Lock held. */
    private Waiter handToReceiver(Object item) {
        for (Waiter r; (r = receivers.poll()) != null; ) {
            r.number = received; // meaningful only if the CAS below wins
            if (r.tryComplete(item, Waiter.DONE)) {
                sent++;
                received++;
                return r;
            }
        }
        return null;
    }

    private void enqueue(Object item) {
        int tail = head + count;
        buffer[tail >= capacity ? tail - capacity : tail] = item;
        if (++count > highWaterMark) {
            highWaterMark = count;
        }
    }

    private Object dequeue() {
        Object x = buffer[head];
        buffer[head] = null;
        if (++head == capacity) {
            head = 0;
        }
        count--;
        return x;
    }

    @SuppressWarnings("unchecked")
    private T evictAndEnqueue(T item) {
        T oldest = (T) dequeue();
        enqueue(item);
        dropped++;
        sent++;
        return oldest;
    }

    private void handToOnDrop(T item) {
        if (onDrop != null) {
            onDrop.accept(item);
        }
    }

    private void ensureOpenForSend() {
        if (closed) {
            throw new ChannelClosedException("channel '" + name + "' is closed for sending", failure);
        }
    }

    // ------------------------------------------------------------------ receiving

    @Override
    public T tryReceive() {
        return tryReceive(null);
    }

    /** {@link #tryReceive()} that numbers the item as {@link #receiveNumbered} does. */
    public T tryReceiveNumbered(long[] number) {
        return tryReceive(Objects.requireNonNull(number, "number"));
    }

    @SuppressWarnings("unchecked")
    private T tryReceive(long[] number) {
        Waiter woken;
        Object x;
        acquire();
        try {
            if (count > 0) {
                x = dequeue();
                if (number != null) {
                    number[0] = received;
                }
                received++;
                woken = refillFromSender();
            } else if ((woken = takeFromSender()) != null) {
                x = taken;
                taken = null;
                if (number != null) {
                    number[0] = received - 1;
                }
            } else if (closed) {
                throw closedForReceive();
            } else {
                return null;
            }
        } finally {
            lock.unlock();
        }
        wake(woken);
        return (T) x;
    }

    /**
     * Room for one more item, lock held. With a batch holder the held items count too: first against the
     * bound, then, if that says full, against the holder's exact count (which only falls outside the lock).
     */
    private boolean room() {
        if (count + heldBound < capacity) {
            return true;
        }
        if (holder == null || count >= capacity) {
            return false;
        }
        heldBound = holder.recountHeld();
        return count + heldBound < capacity;
    }

    /**
     * A sender about to park for lack of room: raises sendersParked, then looks at the exact count once
     * more. A holder lowers its count (a volatile write) before it reads sendersParked, so either it sees
     * the flag and refills (refillParked), or this read sees its lower count. Lock held.
     */
    private boolean senderMayPark() {
        sendersParked = true;
        if (count >= capacity) {
            return false;
        }
        heldBound = holder.recountHeld();
        return count + heldBound < capacity;
    }

    /** For batch holders: true if a sender may be parked waiting for room (see senderMayPark). */
    public boolean sendersParked() {
        return sendersParked;
    }

    /** For batch holders, after they started held items: moves parked senders' items into the room freed. */
    public void refillParked() {
        Waiter woken = null;
        Waiter[] more = null;
        int moreCount = 0;
        acquire();
        try {
            for (Waiter w; (w = refillFromSender()) != null; ) {
                if (woken == null) {
                    woken = w;
                } else {
                    if (more == null) {
                        more = new Waiter[4];
                    } else if (moreCount == more.length) {
                        more = Arrays.copyOf(more, moreCount * 2);
                    }
                    more[moreCount++] = w;
                }
            }
            if (senders.isEmpty()) {
                sendersParked = false;
            }
        } finally {
            lock.unlock();
        }
        wake(woken);
        for (int i = 0; i < moreCount; i++) {
            wake(more[i]);
        }
    }

    /** For batch holders, with the lock held (in {@link #underLock}): the number of buffered items. */
    public int bufferedLocked() {
        return count;
    }

    /** For batch holders: runs {@code body} with the lock held (moving held items between holders). */
    public int underLock(java.util.function.IntSupplier body) {
        acquire();
        try {
            return body.getAsInt();
        } finally {
            lock.unlock();
        }
    }

    /**
     * For the worker pool, which takes its jobs in batches: takes up to {@code max} buffered items into
     * {@code into[0..n)} in FIFO order under one acquisition of the lock, and calls {@code sink.taken(n)}
     * before releasing it, so that the holder counts the n - 1 items it does not start at once before any
     * sender can look. Those stay counted against the capacity until started, so buffered plus held items
     * never exceed it. The first item's slot is free at once and is refilled from a parked sender. Never
     * blocks.
     *
     * @throws ChannelClosedException if the channel is closed and drained
     */
    public int tryReceiveInto(Object[] into, int max, BatchSink sink) {
        int n = 0;
        Waiter woken = null;
        acquire();
        try {
            while (n < max && count > 0) {
                into[n++] = dequeue();
                received++;
            }
            if (n > 0) {
                heldBound += n - 1 - sink.taken(n, count);
                woken = refillFromSender();
            } else if (closed) {
                throw closedForReceive();
            }
        } finally {
            lock.unlock();
        }
        wake(woken);
        return n;
    }

    @Override
    public T receive() throws InterruptedException {
        return receive(false, 0L, null);
    }

    @Override
    public T receive(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return receive(true, System.nanoTime() + clampNanos(timeout), null);
    }

    @Override
    public T receive(Context context) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        context.throwIfDone();
        boolean timed = context.hasDeadline();
        return receive(timed, timed ? ContextSupport.deadlineNanos(context) : 0L, context);
    }

    /**
     * {@link #receive(Context)} that also stores in {@code number[0]} the item's number: how many items
     * this channel had handed to receivers before it (0 for the first). The number is taken in the same
     * step as the item, under the lock, so numbers follow the channel's FIFO order exactly and, if every
     * receive of the channel is a numbered one, are dense. This is what lets several threads receive
     * concurrently and still know the input order (the pipeline's ordered parallel stage), without taking
     * turns through a lock of their own.
     */
    public T receiveNumbered(Context context, long[] number) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(number, "number");
        context.throwIfDone();
        boolean timed = context.hasDeadline();
        return receive(timed, timed ? ContextSupport.deadlineNanos(context) : 0L, context, number);
    }

    private T receive(boolean timed, long deadline, Context ctx) throws InterruptedException {
        return receive(timed, deadline, ctx, null);
    }

    @SuppressWarnings("unchecked")
    private T receive(boolean timed, long deadline, Context ctx, long[] number) throws InterruptedException {
        Waiter woken = null;
        Waiter self = null;
        Object x = null;
        acquire();
        try {
            if (count > 0) {
                x = dequeue();
                if (number != null) {
                    number[0] = received;
                }
                received++;
                woken = refillFromSender();
            } else if ((woken = takeFromSender()) != null) {
                x = taken;
                taken = null;
                if (number != null) {
                    number[0] = received - 1;
                }
            } else if (closed) {
                throw closedForReceive();
            } else if (timed && deadline - System.nanoTime() <= 0) {
                if (ctx != null) {
                    throw contextDone(ctx);
                }
                return null;
            } else if (Thread.interrupted()) {
                throw new InterruptedException();
            } else {
                self = Waiter.forThisThread(null);
                receivers.add(self);
            }
        } finally {
            lock.unlock();
        }
        if (self == null) {
            wake(woken);
            return (T) x;
        }
        int outcome = await(self, receivers, timed, deadline, ctx);
        Object got = self.item;
        self.item = null; // the waiter is reused by this thread: do not keep the item reachable
        if (number != null && outcome == Waiter.DONE) {
            number[0] = self.number;
        }
        return switch (outcome) {
            case Waiter.DONE -> (T) got;
            case Waiter.CLOSED -> throw closedForReceive();
            case GAVE_UP_TIMEOUT -> {
                if (ctx != null) {
                    throw contextDone(ctx);
                }
                yield null;
            }
            case GAVE_UP_INTERRUPT -> throw new InterruptedException();
            default -> throw contextDone(ctx);
        };
    }

    /** After a receive from a full buffer: moves the first waiting sender's item in. Lock held. */
    private Waiter refillFromSender() {
        if (holder != null && !room()) {
            return null;
        }
        for (Waiter s; (s = senders.poll()) != null; ) {
            // Read before the CAS: once completed, a plain waiter may be reused by its thread at once.
            Object x = s.item;
            if (s.tryComplete(null, Waiter.DONE)) {
                enqueue(x);
                sent++;
                return s;
            }
        }
        return null;
    }

    /**
     * With an empty buffer (rendezvous): takes the first waiting sender's item directly, leaving it in
     * {@link #taken}. Lock held.
     */
    private Waiter takeFromSender() {
        for (Waiter s; (s = senders.poll()) != null; ) {
            Object x = s.item;
            if (s.tryComplete(null, Waiter.DONE)) {
                sent++;
                received++;
                taken = x;
                return s;
            }
        }
        return null;
    }

    private ChannelClosedException closedForReceive() {
        return new ChannelClosedException(failure == null
                ? "channel '" + name + "' is closed and drained"
                : "channel '" + name + "' failed: " + failure, failure);
    }

    // ------------------------------------------------------------------ waiting

    /**
     * Parks until {@code w} is completed, or gives up on timeout, interrupt or a done context. Returns
     * {@link Waiter#DONE}, {@link Waiter#CLOSED}, or one of the GAVE_UP codes (then {@code w} has been
     * removed from {@code queue} and nothing was handed over).
     */
    private int await(Waiter w, WaitQueue queue, boolean timed, long deadline, Context ctx) {
        Thread me = w.thread;
        if (!me.isVirtual()) {
            int spins = queue == senders ? senderSpins : SPINS;
            for (int i = 0; i < spins && w.state() == Waiter.WAITING; i++) {
                Thread.onSpinWait();
            }
        }
        Context.Registration reg = ctx == null || w.state() != Waiter.WAITING
                ? Context.Registration.NONE
                : ContextSupport.onCancel(ctx, () -> LockSupport.unpark(me));
        try {
            for (int s; (s = w.state()) == Waiter.WAITING; ) {
                int reason = 0;
                if (Thread.interrupted()) {
                    reason = GAVE_UP_INTERRUPT;
                } else if (ctx != null && ctx.isDone()) {
                    reason = GAVE_UP_CONTEXT;
                } else if (timed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        reason = GAVE_UP_TIMEOUT;
                    } else {
                        LockSupport.parkNanos(this, left);
                    }
                } else {
                    LockSupport.park(this);
                }
                if (reason != 0) {
                    if (w.tryCancel()) {
                        acquire();
                        try {
                            queue.remove(w);
                            if (reason == GAVE_UP_TIMEOUT && queue == senders && ctx == null) {
                                rejected++;
                            }
                        } finally {
                            lock.unlock();
                        }
                        return reason;
                    }
                    // A counterpart completed us first: the operation happened. Keep the interrupt visible.
                    if (reason == GAVE_UP_INTERRUPT) {
                        me.interrupt();
                    }
                }
            }
            return w.state();
        } finally {
            reg.close();
        }
    }

    /**
     * The exception for a wait that ended on its context. The wait's deadline is the context's own (see
     * ContextSupport.deadlineNanos), so the context is done by the time this is called.
     */
    private static RuntimeException contextDone(Context ctx) {
        ctx.throwIfDone();
        return new IllegalStateException("context reported done, then not done");
    }

    private static void wake(Waiter w) {
        if (w != null) {
            LockSupport.unpark(w.thread);
        }
    }

    private static long clampNanos(Duration d) {
        try {
            return Math.min(Math.max(d.toNanos(), 0L), Long.MAX_VALUE / 2);
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? 0L : Long.MAX_VALUE / 2;
        }
    }

    // ------------------------------------------------------------------ closing

    @Override
    public void close() {
        close(null);
    }

    @Override
    public void fail(Throwable cause) {
        close(Objects.requireNonNull(cause, "cause"));
    }

    private void close(Throwable cause) {
        List<Waiter> woken = new ArrayList<>();
        acquire();
        try {
            if (closed) {
                return;
            }
            failure = cause;
            closed = true;
            // Receivers wait only on an empty buffer, so nothing buffered is skipped by waking them.
            for (Waiter w; (w = receivers.poll()) != null; ) {
                if (w.tryComplete(null, Waiter.CLOSED)) {
                    woken.add(w);
                }
            }
            for (Waiter w; (w = senders.poll()) != null; ) {
                if (w.tryComplete(null, Waiter.CLOSED)) {
                    woken.add(w);
                }
            }
        } finally {
            lock.unlock();
        }
        woken.forEach(ChannelImpl::wake);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /**
     * For pollers that wait outside the channel (the worker pool's spinning worker): true if the buffer
     * looked non-empty or the channel closed, read without the lock. Only a hint: a true answer may be
     * stale by the time the caller takes the lock, and a false one says nothing about the next instant;
     * the caller confirms with {@link #tryReceive()}. Writers are unchanged (the count is plain under the
     * lock); the opaque read only keeps the compiler from hoisting it out of the caller's loop.
     */
    public boolean readyHint() {
        return bufferedHint() > 0 || closed;
    }

    /**
     * For pollers that wait outside the channel: the number of buffered items, read without the lock (a
     * hint, as {@link #readyHint()}). The worker pool's workers use it to let a batch fill up.
     */
    public int bufferedHint() {
        return (int) COUNT.getOpaque(this);
    }

    // ------------------------------------------------------------------ select support (lock held)

    /** Select's first pass: takes an item if one is ready (waking a sender it frees), else null. */
    Object pollForSelect() {
        Object x;
        Waiter woken;
        if (count > 0) {
            x = dequeue();
            received++;
            woken = refillFromSender();
        } else if ((woken = takeFromSender()) != null) {
            x = taken;
            taken = null;
        } else if (closed) {
            throw closedForReceive();
        } else {
            return null;
        }
        wake(woken);
        return x;
    }

    /** Select's first pass: sends if that needs no waiting, dropping or rejecting. */
    boolean offerForSelect(Object item) {
        ensureOpenForSend();
        Waiter woken = handToReceiver(item);
        if (woken != null) {
            wake(woken);
            return true;
        }
        if (room()) {
            enqueue(item);
            sent++;
            return true;
        }
        return false;
    }

    void registerForSelect(Waiter w, boolean sending) {
        if (sending) {
            senders.add(w);
            blockedSends++;
        } else {
            receivers.add(w);
        }
    }

    void addBlockedNanos(long nanos) {
        blockedNanos.addAndGet(nanos);
    }

    void unregisterForSelect(Waiter w, boolean sending) {
        acquire();
        try {
            (sending ? senders : receivers).remove(w);
        } finally {
            lock.unlock();
        }
    }

    ChannelClosedException closedException(boolean sending) {
        return sending ? new ChannelClosedException("channel '" + name + "' is closed for sending", failure)
                : closedForReceive();
    }

    @Override
    public <R> Clause<R> onReceive(Function<? super T, ? extends R> then) {
        return new SelectClauses.Receive<>(this, Objects.requireNonNull(then, "then"));
    }

    @Override
    public <R> Clause<R> onSend(T item, Supplier<? extends R> then) {
        return new SelectClauses.Send<>(this, Objects.requireNonNull(item, "item"), Objects.requireNonNull(then, "then"));
    }

    // ------------------------------------------------------------------ inspection and iteration

    @Override
    public int size() {
        acquire();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ChannelStats stats() {
        acquire();
        try {
            return new ChannelStats(sent, received, dropped, rejected, blockedSends, blockedNanos.get(), count,
                    capacity, highWaterMark);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Iterator<T> iterator() {
        return ReceiveIteration.iterator(this, "channel '" + name + "'");
    }

    @Override
    public Stream<T> stream() {
        return ReceiveIteration.stream(iterator());
    }

    @Override
    public String toString() {
        ChannelStats st = stats();
        return "Channel[" + name + ", " + st.size() + "/" + capacity + ", " + overflow + (closed ? ", closed" : "") + "]";
    }
}
