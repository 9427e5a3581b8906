package dev.sluice.pubsub.internal;

import dev.sluice.pubsub.RecentLog;
import dev.sluice.pubsub.RegisterClosedException;
import dev.sluice.pubsub.Sequenced;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** The recent log: a ring of immutable (sequence, item) entries, written lock-free. */
public final class RecentLogImpl<T> implements RecentLog<T> {
    /*
     * Implementation overview
     *
     * append() claims sequence s with getAndIncrement and stores an immutable Sequenced(s, item) into slot
     * s % capacity with a CAS that only ever raises the slot's sequence: a writer that was overtaken by
     * one a full lap ahead (possible when a thread is descheduled between claim and store) gives up, its
     * item counted as overwritten, instead of putting an older item back over a newer one. So each slot
     * holds a monotonically increasing sequence, and an entry, being immutable, can never be read torn.
     *
     * snapshot() reads the claim counter c, then walks sequences max(0, c - capacity) .. c - 1 in order,
     * taking each slot's entry only if it carries exactly the sequence wanted. If every one matches, the
     * result is the complete run of the newest items as of c. A mismatch means that append is still in
     * progress or the walk was lapped by writers; it retries, up to ATTEMPTS times, then returns the
     * matches of its last walk: still in order and within the window, with the missing numbers visible.
     */

    /** Walks a snapshot makes before settling for one with gaps. */
    private static final int ATTEMPTS = 16;

    private final int capacity;
    private final AtomicReferenceArray<Sequenced<T>> slots;
    private final AtomicLong next = new AtomicLong();
    private volatile boolean closed;

    public RecentLogImpl(int capacity) {
        this.capacity = capacity;
        this.slots = new AtomicReferenceArray<>(capacity);
    }

    @Override
    public long append(T item) {
        Objects.requireNonNull(item, "item");
        if (closed) {
            throw new RegisterClosedException("cannot append: this RecentLog is closed");
        }
        long seq = next.getAndIncrement();
        int i = (int) (seq % capacity);
        Sequenced<T> entry = new Sequenced<>(seq, item);
        for (;;) {
            Sequenced<T> there = slots.get(i);
            if (there != null && there.sequence() > seq) {
                return seq; // a writer a lap ahead already filled the slot: this item is already overwritten
            }
            if (slots.compareAndSet(i, there, entry)) {
                return seq;
            }
        }
    }

    @Override
    public List<Sequenced<T>> snapshot() {
        List<Sequenced<T>> out = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            out.clear();
            long end = next.get();
            long start = Math.max(0, end - capacity);
            boolean complete = true;
            for (long s = start; s < end; s++) {
                Sequenced<T> e = slots.get((int) (s % capacity));
                if (e != null && e.sequence() == s) {
                    out.add(e);
                } else {
                    complete = false;
                }
            }
            if (complete || attempt == ATTEMPTS) {
                return List.copyOf(out);
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public long appended() {
        return next.get();
    }

    @Override
    public long overwritten() {
        return Math.max(0, next.get() - capacity);
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "RecentLog[capacity=" + capacity + ", appended=" + next.get() + (closed ? ", closed]" : "]");
    }
}
