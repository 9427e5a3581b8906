package dev.sluice.pubsub;

import dev.sluice.pubsub.internal.RecentLogImpl;
import java.util.List;

/**
 * The newest {@code capacity} items, in O(capacity) memory: a ring where each append overwrites the
 * oldest item once the ring is full. For "the last 100 errors", "the last 1,000 requests" on a debug
 * page.
 *
 * <p>Writers never wait and never take a lock: {@link #append} claims the next sequence number with one
 * atomic increment and publishes the item into its slot with a compare-and-set. Readers never block
 * writers.
 *
 * <p>Snapshots: {@link #snapshot()} returns items in sequence order, each with its sequence number, all
 * within the newest {@code capacity} sequence numbers at the time of the read, never a torn item and
 * never out of order. It retries (a bounded number of times) until it reads a moment when no append was
 * in progress, which gives exactly the newest {@code min(capacity, appended)} items with no gap; under a
 * continuous storm of appends it returns its last attempt, in which a sequence number whose append was
 * still in progress is missing (the numbers show where). Items appended after the snapshot began may or
 * may not be in it.
 *
 * <p>Closed: after {@link #close()} append throws {@link RegisterClosedException}; snapshots still work.
 * An append racing with close may land before it.
 *
 * <p>Memory consistency effects: actions in a thread before it appends an item happen-before the actions
 * following a snapshot that contains that item.
 *
 * @param <T> the item type
 */
public interface RecentLog<T> {

    /** The largest capacity accepted. */
    int MAX_CAPACITY = 1 << 24;

    /**
     * A log keeping the newest {@code capacity} items.
     *
     * @throws IllegalArgumentException if {@code capacity} is not between 1 and {@value #MAX_CAPACITY}
     */
    static <T> RecentLog<T> create(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be between 1 and " + MAX_CAPACITY + ", got " + capacity);
        }
        return new RecentLogImpl<>(capacity);
    }

    /**
     * Appends {@code item}, overwriting the oldest if full. Never waits.
     *
     * @return the item's sequence number
     * @throws NullPointerException    if {@code item} is null
     * @throws RegisterClosedException if closed
     */
    long append(T item);

    /** The newest items, oldest first, each with its sequence number; see the class comment. */
    List<Sequenced<T>> snapshot();

    /** Items appended so far (the next sequence number). */
    long appended();

    /** Items that have fallen out of the log because newer ones took their place: {@code max(0, appended - capacity)}. */
    long overwritten();

    /** The number of items it keeps. */
    int capacity();

    /** Refuses further appends. Idempotent. */
    void close();

    boolean isClosed();
}
