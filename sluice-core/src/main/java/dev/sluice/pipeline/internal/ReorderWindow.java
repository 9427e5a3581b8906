package dev.sluice.pipeline.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The admission count of an ordered {@code mapParallel}: {@code size} slots, one taken per item received
 * and given back when its result has left the reorder ring. Taking a free slot is one compare-and-set.
 *
 * <p>Why not a {@link java.util.concurrent.Semaphore}: when the window is full, the stage gives slots back
 * one at a time as results go out, and a semaphore wakes one parked worker per slot. That worker takes one
 * item, finds the window full again and parks; each item then costs a park and an unpark of a worker (on a
 * virtual thread, a scheduler submission and a remount), and its receive in turn wakes the source parked
 * on the full input link. Measured on virtual threads, 20,000 uniform items, window 64: about 1,400 such
 * waits of the workers per run, as many blocked sends of the source and parks of the sink, against about
 * 330 blocked sends of the source and 100-200 parks of the sink and workers together in the unordered
 * stage; with this class 300-450 waits and 330-520 blocked sends. Here a worker that finds the window
 * full waits until {@code wakeAt} slots are free, and then every waiting worker is woken at once: they run
 * in parallel, each taking several items before the window can fill again.
 *
 * <p>Memory consistency: a slot given back by {@link #leave} happens-before the {@link #enter} that takes
 * it (both go through the same atomic count).
 *
 * <p>No lost wake-up: a waiter publishes itself ({@code waiting}) before it reads {@code free} the last time
 * and parks; a releaser adds to {@code free} before it reads {@code waiting}. Both are volatile accesses,
 * so at least one of them sees the other's write. A waiter can sleep while fewer than {@code wakeAt} slots
 * are free; that cannot last, because slots are only held by items that are being worked on or waiting in
 * the ring, and when every worker waits here, the ring is emitted to the end and every slot comes back.
 *
 * <p>Blocking: {@link #enter()} waits interruptibly (the stage's threads are interrupted on cancellation).
 */
final class ReorderWindow {

    private final int wakeAt;
    private final AtomicInteger free;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private volatile int waiting;

    /** A window of {@code size} slots whose waiters are woken once {@code wakeAt} (1..size) are free. */
    ReorderWindow(int size, int wakeAt) {
        if (size <= 0 || wakeAt <= 0 || wakeAt > size) {
            throw new IllegalArgumentException("window " + size + ", wake at " + wakeAt);
        }
        this.wakeAt = wakeAt;
        this.free = new AtomicInteger(size);
    }

    /** Takes a slot, waiting while none is free (and then until {@code wakeAt} are). */
    void enter() throws InterruptedException {
        if (tryEnter()) {
            return;
        }
        lock.lockInterruptibly();
        try {
            waiting++;
            try {
                while (!tryEnter()) {
                    room.await();
                }
            } finally {
                waiting--;
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean tryEnter() {
        for (int f; (f = free.get()) > 0; ) {
            if (free.compareAndSet(f, f - 1)) {
                return true;
            }
        }
        return false;
    }

    /** Gives back {@code k} slots; wakes every waiter if that makes {@code wakeAt} free. */
    void leave(int k) {
        int now = free.addAndGet(k);
        if (now >= wakeAt && now - k < wakeAt && waiting > 0) {
            lock.lock();
            try {
                room.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Free slots now (a moment's view, for tests). */
    int free() {
        return free.get();
    }
}
