package dev.sluice.limit;

import dev.sluice.Context;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/** Package-private helpers shared by the adaptive limits: argument checks and change listeners. */
final class LimitSupport {

    private LimitSupport() { }

    static void checkSample(long rttNanos, int inflight) {
        if (rttNanos < 0) {
            throw new IllegalArgumentException("rttNanos must not be negative, was " + rttNanos);
        }
        if (inflight < 0) {
            throw new IllegalArgumentException("inflight must not be negative, was " + inflight);
        }
    }

    static void checkBounds(int initial, int min, int max) {
        if (min < 1) {
            throw new IllegalArgumentException("minLimit must be at least 1, was " + min);
        }
        if (max < min) {
            throw new IllegalArgumentException("maxLimit (" + max + ") must be at least minLimit (" + min + ")");
        }
        if (initial < min || initial > max) {
            throw new IllegalArgumentException("initialLimit (" + initial + ") must be within [" + min + ", " + max + "]");
        }
    }

    /**
     * Copy-on-write listener list: registering takes a lock (rare), notifying reads one volatile array and
     * allocates nothing (the hot path).
     */
    static final class Listeners {
        private static final IntConsumer[] EMPTY = new IntConsumer[0];
        private final ReentrantLock lock = new ReentrantLock();
        private volatile IntConsumer[] listeners = EMPTY;

        Context.Registration add(IntConsumer listener) {
            Objects.requireNonNull(listener, "listener");
            lock.lock();
            try {
                IntConsumer[] next = Arrays.copyOf(listeners, listeners.length + 1);
                next[next.length - 1] = listener;
                listeners = next;
            } finally {
                lock.unlock();
            }
            return () -> remove(listener);
        }

        private void remove(IntConsumer listener) {
            lock.lock();
            try {
                IntConsumer[] cur = listeners;
                for (int i = 0; i < cur.length; i++) {
                    if (cur[i] == listener) {
                        IntConsumer[] next = new IntConsumer[cur.length - 1];
                        System.arraycopy(cur, 0, next, 0, i);
                        System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                        listeners = next;
                        return;
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        void notify(int newLimit) {
            IntConsumer[] cur = listeners;
            for (IntConsumer l : cur) {
                try {
                    l.accept(newLimit);
                } catch (RuntimeException | Error e) {
                    Thread t = Thread.currentThread();
                    t.getUncaughtExceptionHandler().uncaughtException(t, e);
                }
            }
        }
    }
}
