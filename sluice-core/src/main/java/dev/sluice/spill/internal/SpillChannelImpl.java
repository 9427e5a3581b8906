package dev.sluice.spill.internal;

import dev.sluice.Context;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.internal.ReceiveIteration;
import dev.sluice.channel.ChannelFullException;
import dev.sluice.channel.ChannelStats;
import dev.sluice.channel.Clause;
import dev.sluice.channel.Overflow;
import dev.sluice.internal.ContextSupport;
import dev.sluice.spill.SpillChannel;
import dev.sluice.spill.SpillSerializationException;
import dev.sluice.spill.SpillSerializer;
import dev.sluice.spill.SpillStats;
import dev.sluice.spill.SpillStorageException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The spill channel engine: a ring of items in memory in front of a {@link SegmentLog}, under one lock. */
public final class SpillChannelImpl<T> implements SpillChannel<T> {
    /*
     * Implementation overview
     *
     * State, under `lock`: a ring of up to memoryCapacity items (the head of the queue), `diskCount`
     * items that exist only in the log (the tail), and the log's read position. FIFO holds because a new
     * item goes to memory only while nothing is on disk; once something is, every new item is appended
     * behind it, and receivers take memory first, then read the log in order.
     *
     * Durable mode (fsync on) writes every item to the log before its send returns, memory being a cache
     * of the log's head: a ring slot remembers where its record ends, so receiving it moves the read
     * position without reading the record back. Otherwise only the tail is written, and memory items are
     * in memory only.
     *
     * After every receive that moves the read position, the cursor file is rewritten with a positional
     * write (in the kernel's page cache before the receive returns, hence kept across a kill of the
     * process) and, in durable mode, forced every CURSOR_SYNC_EVERY receives and on release.
     *
     * User code (the serializer) never runs under the lock: items are serialized before the lock is
     * taken (durable) or after it is dropped and re-taken (spill), and deserialized after a record's
     * bytes were taken out under the lock. The fsync that acknowledges a durable send runs outside the
     * lock too, shared by the senders waiting on it (SegmentLog.sync). Disk reads and writes do run under
     * the lock: they keep the position and the log consistent, and cost microseconds against the page
     * cache.
     */

    /** Durable mode forces the cursor file after this many receives (and on release). */
    static final int CURSOR_SYNC_EVERY = 64;

    private final Path dir;
    private final SpillSerializer<T> serializer;
    private final int memoryCapacity;
    private final long quota;
    private final Overflow whenDiskFull;
    private final boolean durable;
    private final String name;
    private final SegmentLog log;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition roomOrSpace = lock.newCondition();

    // Guarded by lock.
    private final Object[] ring;
    private final long[] ringSeg;
    private final long[] ringEnd;
    private int head;
    private int count;
    private long diskCount;
    private boolean closed;
    private boolean released;
    private Throwable failure;
    private int waitingSenders;
    private int waitingReceivers;
    private int unsyncedCursor;
    private long sent;
    private long received;
    private long rejected;
    private long blockedSends;
    private long blockedNanos;
    private long highWaterMark;
    private long spilled;
    private long readFromDisk;
    private long diskFullWaits;
    private final long recovered;

    public SpillChannelImpl(Path dir, SpillSerializer<T> serializer, int memoryCapacity, long quota, long segmentSize,
                            Overflow whenDiskFull, boolean durable, String name) throws IOException {
        this.dir = dir;
        this.serializer = serializer;
        this.memoryCapacity = memoryCapacity;
        this.quota = quota;
        this.whenDiskFull = whenDiskFull;
        this.durable = durable;
        this.name = name;
        this.ring = new Object[memoryCapacity];
        this.ringSeg = durable ? new long[memoryCapacity] : null;
        this.ringEnd = durable ? new long[memoryCapacity] : null;
        this.log = new SegmentLog(dir, segmentSize, quota, durable);
        this.recovered = log.recovered;
        this.diskCount = log.recovered;
    }

    /** The largest item, serialized, that fits in one segment. */
    public static int maxItemBytes(long segmentSize) {
        return SegmentLog.maxPayload(segmentSize);
    }

    // ------------------------------------------------------------------ sending

    @Override
    public void send(T item) throws InterruptedException {
        send(item, false, false, 0L, null);
    }

    @Override
    public boolean trySend(T item) {
        try {
            return send(item, true, false, 0L, null);
        } catch (InterruptedException impossible) {
            throw new AssertionError("trySend never waits", impossible);
        }
    }

    @Override
    public boolean send(T item, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return send(item, false, true, System.nanoTime() + clampNanos(timeout), null);
    }

    @Override
    public void send(T item, Context context) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(context, "context");
        context.throwIfDone();
        boolean timed = context.hasDeadline();
        send(item, false, timed, timed ? ContextSupport.deadlineNanos(context) : 0L, context);
    }

    private boolean send(T item, boolean never, boolean timed, long deadline, Context ctx) throws InterruptedException {
        Objects.requireNonNull(item, "item");
        byte[] bytes = durable ? serialize(item) : null;
        long syncUpTo;
        Context.Registration reg = null;
        long waitStart = 0L;
        lock.lock();
        try {
            for (;;) {
                ensureOpenForSend();
                boolean toMemory = diskCount == 0 && count < memoryCapacity;
                if (toMemory && !durable) {
                    enqueue(item, 0L, 0L);
                    sent++;
                    signalReceiver();
                    return true;
                }
                if (bytes == null) {
                    lock.unlock();
                    try {
                        bytes = serialize(item);
                    } finally {
                        lock.lock();
                    }
                    continue; // the state may have changed meanwhile
                }
                if (log.canAppend(bytes.length)) {
                    long end;
                    try {
                        end = log.append(bytes);
                    } catch (IOException e) {
                        throw new SpillStorageException("spill channel '" + name + "': writing to " + dir
                                + " failed; the item was not accepted", e);
                    }
                    if (toMemory) {
                        enqueue(item, log.writeSegmentId(), end);
                    } else {
                        diskCount++;
                        spilled++;
                    }
                    sent++;
                    syncUpTo = log.appendedBytes();
                    signalReceiver();
                    break;
                }
                // The disk quota is reached.
                if (waitStart == 0L) {
                    diskFullWaits++;
                }
                if (never) {
                    rejected++;
                    return false;
                }
                if (whenDiskFull == Overflow.REJECT) {
                    rejected++;
                    throw new ChannelFullException("spill channel '" + name + "' is full: " + count
                            + " items in memory and the disk quota of " + quota + " bytes is used (policy REJECT)");
                }
                if (timed && deadline - System.nanoTime() <= 0) {
                    if (ctx != null) {
                        throw contextDone(ctx);
                    }
                    rejected++;
                    return false;
                }
                if (ctx != null && ctx.isDone()) {
                    throw contextDone(ctx);
                }
                if (waitStart == 0L) {
                    waitStart = System.nanoTime();
                    blockedSends++;
                    if (ctx != null) {
                        reg = ContextSupport.onCancel(ctx, this::wakeAll);
                    }
                }
                waitingSenders++;
                try {
                    if (timed) {
                        roomOrSpace.awaitNanos(deadline - System.nanoTime());
                    } else {
                        roomOrSpace.await();
                    }
                } catch (InterruptedException e) {
                    roomOrSpace.signal(); // pass on a wake-up this thread may have consumed
                    throw e;
                } finally {
                    waitingSenders--;
                }
            }
        } finally {
            if (waitStart != 0L) {
                blockedNanos += System.nanoTime() - waitStart;
            }
            lock.unlock();
            if (reg != null) {
                reg.close();
            }
        }
        if (durable) {
            try {
                log.sync(syncUpTo);
            } catch (IOException e) {
                SpillStorageException failed = new SpillStorageException("spill channel '" + name
                        + "': fsync of " + dir + " failed; the item was accepted but may not survive a crash, "
                        + "and the channel is failed", e);
                fail(failed);
                throw failed;
            }
        }
        return true;
    }

    private byte[] serialize(T item) {
        byte[] b;
        try {
            b = serializer.toBytes(item);
        } catch (RuntimeException e) {
            throw new SpillSerializationException("spill channel '" + name + "': the serializer failed on an item; "
                    + "it was not accepted", e, null);
        }
        if (b == null) {
            throw new SpillSerializationException("spill channel '" + name + "': the serializer returned null; "
                    + "the item was not accepted", null, null);
        }
        if (b.length > log.maxPayload()) {
            throw new IllegalArgumentException("spill channel '" + name + "': an item of " + b.length
                    + " bytes does not fit in a segment (at most " + log.maxPayload() + "); it was not accepted");
        }
        return b;
    }

    private void enqueue(T item, long seg, long end) {
        int tail = head + count;
        if (tail >= memoryCapacity) {
            tail -= memoryCapacity;
        }
        ring[tail] = item;
        if (durable) {
            ringSeg[tail] = seg;
            ringEnd[tail] = end;
        }
        count++;
        long size = count + diskCount;
        if (size > highWaterMark) {
            highWaterMark = size;
        }
    }

    private void ensureOpenForSend() {
        if (closed) {
            throw new ChannelClosedException("spill channel '" + name + "' is closed for sending", failure);
        }
    }

    // ------------------------------------------------------------------ receiving

    @Override
    public T receive() throws InterruptedException {
        return receive(false, false, 0L, null);
    }

    @Override
    public T tryReceive() {
        try {
            return receive(true, false, 0L, null);
        } catch (InterruptedException impossible) {
            throw new AssertionError("tryReceive never waits", impossible);
        }
    }

    @Override
    public T receive(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return receive(false, true, System.nanoTime() + clampNanos(timeout), null);
    }

    @Override
    public T receive(Context context) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        context.throwIfDone();
        boolean timed = context.hasDeadline();
        return receive(false, timed, timed ? ContextSupport.deadlineNanos(context) : 0L, context);
    }

    @SuppressWarnings("unchecked")
    private T receive(boolean never, boolean timed, long deadline, Context ctx) throws InterruptedException {
        byte[] raw;
        Context.Registration reg = null;
        lock.lock();
        try {
            for (;;) {
                long usedBefore = log.usedBytes();
                if (released) {
                    throw new ChannelClosedException("spill channel '" + name + "' was released; its remaining "
                            + "items are in " + dir, failure);
                }
                if (count > 0) {
                    T x = (T) ring[head];
                    ring[head] = null;
                    if (durable) {
                        log.advanceTo(ringSeg[head], ringEnd[head]);
                    }
                    if (++head == memoryCapacity) {
                        head = 0;
                    }
                    count--;
                    received++;
                    if (durable) {
                        commitCursor();
                    }
                    signalSenders(usedBefore);
                    return x;
                }
                if (diskCount > 0) {
                    try {
                        raw = log.readNext();
                    } catch (IOException e) {
                        throw new SpillStorageException("spill channel '" + name + "': reading " + dir + " failed", e);
                    }
                    if (raw == null) {
                        diskCount = 0; // records damaged while this process ran; they were counted
                        continue;
                    }
                    diskCount--;
                    received++;
                    readFromDisk++;
                    commitCursor();
                    signalSenders(usedBefore);
                    break;
                }
                if (closed) {
                    throw closedForReceive();
                }
                if (never) {
                    return null;
                }
                if (timed && deadline - System.nanoTime() <= 0) {
                    if (ctx != null) {
                        throw contextDone(ctx);
                    }
                    return null;
                }
                if (ctx != null && ctx.isDone()) {
                    throw contextDone(ctx);
                }
                if (ctx != null && reg == null) {
                    reg = ContextSupport.onCancel(ctx, this::wakeAll);
                }
                waitingReceivers++;
                try {
                    if (timed) {
                        notEmpty.awaitNanos(deadline - System.nanoTime());
                    } else {
                        notEmpty.await();
                    }
                } catch (InterruptedException e) {
                    notEmpty.signal(); // pass on a wake-up this thread may have consumed
                    throw e;
                } finally {
                    waitingReceivers--;
                }
            }
        } finally {
            lock.unlock();
            if (reg != null) {
                reg.close();
            }
        }
        try {
            T x = serializer.fromBytes(raw);
            if (x == null) {
                throw new NullPointerException("fromBytes returned null");
            }
            return x;
        } catch (RuntimeException e) {
            throw new SpillSerializationException("spill channel '" + name + "': the serializer could not read a "
                    + "stored record back; it was taken out of the channel and its bytes are in payload()", e, raw);
        }
    }

    /** Records the read position. Lock held. */
    private void commitCursor() {
        try {
            if (count == 0 && diskCount == 0) {
                log.reclaimIfDrained();
            }
            log.cursor.write(log.readSegmentId(), log.readOffset());
            if (durable && ++unsyncedCursor >= CURSOR_SYNC_EVERY) {
                unsyncedCursor = 0;
                log.cursor.force();
            }
        } catch (IOException e) {
            throw new SpillStorageException("spill channel '" + name + "': recording the read position in " + dir
                    + " failed; after a restart items may be delivered again", e);
        }
    }

    private void signalReceiver() {
        if (waitingReceivers > 0) {
            notEmpty.signal();
        }
    }

    /**
     * After a receive: wakes the senders if what they wait for may have come. They wait for disk space,
     * which comes back a segment at a time, or for the reader to catch up (then a full write segment can
     * be replaced, and without fsync memory takes items again); waking them on every receive would make
     * each sender re-check and park again once per item. A freed segment is room for many: all are woken.
     */
    private void signalSenders(long usedBefore) {
        if (waitingSenders > 0
                && (log.usedBytes() < usedBefore || diskCount == 0 && (!durable || count == 0))) {
            roomOrSpace.signalAll();
        }
    }

    private void wakeAll() {
        lock.lock();
        try {
            notEmpty.signalAll();
            roomOrSpace.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private ChannelClosedException closedForReceive() {
        return new ChannelClosedException(failure == null
                ? "spill channel '" + name + "' is closed and drained"
                : "spill channel '" + name + "' failed: " + failure, failure);
    }

    // ------------------------------------------------------------------ closing

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
            roomOrSpace.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void fail(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        lock.lock();
        try {
            if (!closed) {
                failure = cause;
                closed = true;
                notEmpty.signalAll();
                roomOrSpace.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<T> release() {
        List<T> memoryOnly = new ArrayList<>();
        lock.lock();
        try {
            if (released) {
                return memoryOnly;
            }
            closed = true;
            released = true;
            if (!durable) {
                for (int i = 0; i < count; i++) {
                    int k = head + i;
                    memoryOnly.add((T) ring[k >= memoryCapacity ? k - memoryCapacity : k]);
                }
            }
            java.util.Arrays.fill(ring, null);
            count = 0;
            notEmpty.signalAll();
            roomOrSpace.signalAll();
            try {
                log.close();
            } catch (IOException e) {
                throw new SpillStorageException("spill channel '" + name + "': closing the files in " + dir
                        + " failed", e);
            }
        } finally {
            lock.unlock();
        }
        return memoryOnly;
    }

    @Override
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ select (not supported)

    @Override
    public <R> Clause<R> onSend(T item, Supplier<? extends R> then) {
        throw new UnsupportedOperationException("a spill channel cannot take part in a select (its operations "
                + "do disk I/O and run user serializers, which select cannot do under its locks); move items "
                + "into a Channel with a thread, or use send(item, Context)");
    }

    @Override
    public <R> Clause<R> onReceive(Function<? super T, ? extends R> then) {
        throw new UnsupportedOperationException("a spill channel cannot take part in a select (its operations "
                + "do disk I/O and run user serializers, which select cannot do under its locks); move items "
                + "into a Channel with a thread, or use receive(Context)");
    }

    // ------------------------------------------------------------------ inspection and iteration

    @Override
    public int size() {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, count + diskCount);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int capacity() {
        return memoryCapacity;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Path directory() {
        return dir;
    }

    @Override
    public boolean isDurable() {
        return durable;
    }

    @Override
    public ChannelStats stats() {
        lock.lock();
        try {
            return new ChannelStats(sent, received, 0L, rejected, blockedSends, blockedNanos,
                    (int) Math.min(Integer.MAX_VALUE, count + diskCount), memoryCapacity,
                    (int) Math.min(Integer.MAX_VALUE, highWaterMark));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public SpillStats spillStats() {
        lock.lock();
        try {
            return new SpillStats(count, diskCount, released ? 0 : log.usedBytes(), quota,
                    released ? 0 : log.segmentCount(), spilled, readFromDisk, recovered, log.corruptRecords,
                    log.corruptBytes, log.fsyncs(), diskFullWaits);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Iterator<T> iterator() {
        return ReceiveIteration.iterator(this, "spill channel '" + name + "'");
    }

    @Override
    public Stream<T> stream() {
        return ReceiveIteration.stream(iterator());
    }

    @Override
    public String toString() {
        SpillStats s = spillStats();
        return "SpillChannel[" + name + ", " + s.memoryItems() + "/" + memoryCapacity + " in memory, "
                + s.diskItems() + " on disk (" + s.diskBytes() + "/" + quota + " bytes), "
                + (durable ? "durable" : "not durable") + (closed ? ", closed" : "") + "]";
    }

    private static RuntimeException contextDone(Context ctx) {
        ctx.throwIfDone();
        return new IllegalStateException("context reported done, then not done");
    }

    private static long clampNanos(Duration d) {
        try {
            return Math.max(0L, Math.min(d.toNanos(), Long.MAX_VALUE / 2));
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? 0L : Long.MAX_VALUE / 2;
        }
    }
}
