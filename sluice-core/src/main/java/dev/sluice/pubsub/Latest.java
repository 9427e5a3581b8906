package dev.sluice.pubsub;

import dev.sluice.Context;
import dev.sluice.pubsub.internal.LatestImpl;
import java.time.Duration;

/**
 * A register where the latest value wins: a writer replaces the value without ever waiting for a reader,
 * and readers get the freshest value, never a queue of stale ones (conflation). For a configuration, a
 * price, a health state: things where only the current value matters.
 *
 * <p>Each {@link #set} stamps the value with the next version (1, 2, 3, ...). A reader remembers the
 * version it saw and asks {@link #awaitNewer(long, Context)} for anything newer: it returns at once if a
 * newer value exists, so a reader never misses that a change happened (it may skip intermediate values:
 * that is the point), and since versions only grow, a reader never sees an older value after a newer
 * one.
 *
 * <table class="striped">
 * <caption>The forms of awaitNewer, when nothing newer than {@code seen} exists</caption>
 * <thead><tr><th>never waits</th><th>waits</th><th>waits at most</th><th>waits until the context is done</th></tr></thead>
 * <tbody><tr><td>{@link #get()} and compare</td><td>{@link #awaitNewer(long)}</td>
 * <td>{@link #awaitNewer(long, Duration)}: null on timeout</td>
 * <td>{@link #awaitNewer(long, Context)}: {@code DeadlineExceededException} / {@code CancelledException}</td></tr></tbody>
 * </table>
 *
 * <p>Blocking: {@code set} and {@code get} never wait (a {@code set} that finds readers waiting takes a
 * short lock to wake them). Waiting ends with {@link InterruptedException} on interrupt. Closed: after
 * {@link #close()}, {@code set} throws {@link RegisterClosedException}; {@code get} still returns the last
 * value; a waiter gets the last value if it is newer than what it saw, else {@code RegisterClosedException}
 * (waiters parked at the close are woken).
 *
 * <p>Memory consistency effects: actions in a thread before it sets a value happen-before the actions
 * following a read (by {@code get} or {@code awaitNewer}) that returns that value or a newer one.
 *
 * @param <T> the value type
 */
public interface Latest<T> {

    /** An empty register: version 0, no value. */
    static <T> Latest<T> create() {
        return new LatestImpl<>(null);
    }

    /** A register holding {@code initial} at version 1. */
    static <T> Latest<T> of(T initial) {
        return new LatestImpl<>(new Versioned<>(1, initial));
    }

    /**
     * Replaces the value; never waits for a reader.
     *
     * @return the new value's version
     * @throws NullPointerException    if {@code value} is null
     * @throws RegisterClosedException if closed
     */
    long set(T value);

    /** The current value and its version, or {@code null} if none was ever set. Never waits. */
    Versioned<T> get();

    /** The current version: 0 before the first set. */
    long version();

    /**
     * The current value once its version is greater than {@code seen}; at once if it already is. Pass 0 to
     * wait for the first value.
     *
     * @throws IllegalArgumentException                 if {@code seen} is negative
     * @throws RegisterClosedException                   if closed with nothing newer than {@code seen}
     * @throws dev.sluice.DeadlineExceededException      if the context's deadline passes first
     * @throws dev.sluice.CancelledException             if the context is cancelled first
     * @throws InterruptedException                      if interrupted while waiting
     */
    Versioned<T> awaitNewer(long seen, Context context) throws InterruptedException;

    /** Like {@link #awaitNewer(long, Context)} but waits at most {@code timeout}; {@code null} if it elapsed first. */
    Versioned<T> awaitNewer(long seen, Duration timeout) throws InterruptedException;

    /** Like {@link #awaitNewer(long, Context)} with no deadline. */
    Versioned<T> awaitNewer(long seen) throws InterruptedException;

    /** Refuses further sets and wakes waiters. Idempotent; the last value stays readable. */
    void close();

    boolean isClosed();
}
