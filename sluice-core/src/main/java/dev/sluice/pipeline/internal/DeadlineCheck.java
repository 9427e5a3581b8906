package dev.sluice.pipeline.internal;

import java.util.function.LongSupplier;

/**
 * The maxWait check of a batch filled from an iterator, which cannot be waited on with a deadline, so
 * the check is made after the iterator returns an item. Reading the clock costs about as much as
 * moving a tiny item along, so it is read only every {@code stride} items: the stride doubles (up to
 * {@value #MAX_STRIDE}) while that many items took at most a sixteenth of maxWait, and drops back to 1
 * as soon as they took more than that. At a steady pace a list is therefore flushed at most about an
 * eighth of maxWait late; an iterator that was fast and suddenly blocks can delay the flush by up to
 * {@code stride - 1} of its slow calls. With a list of 64 and a fast iterator the clock is read 4 times
 * per list instead of 64. Not thread-safe: one per source thread.
 */
final class DeadlineCheck {

    static final int MAX_STRIDE = 16;

    private final long maxWaitNanos;
    private final LongSupplier clock;
    private int stride = 1;
    private int untilRead;
    private long lastRead;

    DeadlineCheck(long maxWaitNanos) {
        this(maxWaitNanos, System::nanoTime);
    }

    /** With another clock, for tests. */
    DeadlineCheck(long maxWaitNanos, LongSupplier clock) {
        this.maxWaitNanos = maxWaitNanos;
        this.clock = clock;
    }

    /** A new list starts now: returns its deadline. */
    long start() {
        long now = clock.getAsLong();
        lastRead = now;
        untilRead = stride;
        return now + maxWaitNanos;
    }

    /** Called after each item added to the list that started with {@code deadline}: true if it is due. */
    boolean due(long deadline) {
        if (--untilRead > 0) {
            return false;
        }
        long now = clock.getAsLong();
        long elapsed = now - lastRead;
        lastRead = now;
        if (elapsed <= maxWaitNanos >> 4) {
            stride = Math.min(stride << 1, MAX_STRIDE);
        } else {
            stride = 1;
        }
        untilRead = stride;
        return now - deadline >= 0;
    }

    /** The current stride, for tests. */
    int stride() {
        return stride;
    }
}
