package dev.sluice.channel;

import dev.sluice.Context;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The sending side of a channel: what a producer is handed so that it can send and close, but not
 * receive. Items are never null ({@code NullPointerException}).
 *
 * <table class="striped">
 * <caption>The forms of send, on a full channel with policy {@link Overflow#BLOCK}</caption>
 * <thead><tr><th>never waits</th><th>waits</th><th>waits at most</th><th>waits until the context is done</th></tr></thead>
 * <tbody><tr><td>{@link #trySend(Object)}: false</td><td>{@link #send(Object)}</td>
 * <td>{@link #send(Object, Duration)}: false on timeout</td>
 * <td>{@link #send(Object, Context)}: {@code DeadlineExceededException} / {@code CancelledException}</td></tr></tbody>
 * </table>
 *
 * <p>On a closed channel every form throws {@link ChannelClosedException}; a sender that is waiting when
 * the channel closes gets it too, and its item was not delivered. Waiting ends with
 * {@link InterruptedException} if the thread is interrupted; a send that completes without waiting
 * completes even if the interrupt flag is set. A send that was completed by a receiver at the moment it
 * was interrupted or timed out reports success (and keeps the interrupt flag set), so an item is either
 * delivered or reported as not delivered, never both and never neither.
 *
 * <p>Memory consistency effects: actions in a thread before it sends an item happen-before the actions
 * following the receipt of that item in another thread.
 *
 * @param <T> the item type
 */
public interface SendPort<T> {

    /**
     * Sends {@code item}, waiting for room if the policy is {@link Overflow#BLOCK}; under the other policies
     * it never waits (it drops or throws {@link ChannelFullException}, see {@link Overflow}).
     *
     * @throws ChannelClosedException if the channel is closed, or closes while this call waits
     * @throws InterruptedException   if interrupted while waiting; the item was not sent
     */
    void send(T item) throws InterruptedException;

    /**
     * Sends {@code item} only if that needs no waiting. Returns false when the channel is full (for
     * {@link Overflow#DROP_OLDEST} it evicts and returns true); the item is then still the caller's.
     *
     * @throws ChannelClosedException if the channel is closed
     */
    boolean trySend(T item);

    /**
     * Like {@link #send(Object)} but waits at most {@code timeout}.
     *
     * @return true if sent; false if the timeout elapsed first, or if {@link Overflow#DROP_NEWEST} dropped
     *         the item (in both cases the item was not sent)
     */
    boolean send(T item, Duration timeout) throws InterruptedException;

    /**
     * Like {@link #send(Object)} but gives up when {@code context} is done. A context that is already done
     * fails the call at once, even if there is room.
     *
     * @throws dev.sluice.DeadlineExceededException if the context's deadline passes first
     * @throws dev.sluice.CancelledException        if the context is cancelled first
     */
    void send(T item, Context context) throws InterruptedException;

    /**
     * A {@link Select} clause that sends {@code item} and then returns {@code then.get()}. It is ready when
     * the item can be taken without dropping or rejecting: room in the buffer or a receiver waiting.
     */
    <R> Clause<R> onSend(T item, Supplier<? extends R> then);

    /**
     * Closes the channel for sending. Idempotent. Items already buffered stay receivable; afterwards
     * receivers get {@link ChannelClosedException}. Waiting senders are woken with that exception.
     */
    void close();

    /**
     * Closes the channel with an error: like {@link #close()}, but receivers that drain the channel then
     * see {@code cause} as the cause of their {@link ChannelClosedException}. Has no effect if the channel
     * is already closed.
     */
    void fail(Throwable cause);

    /** True once {@link #close()} or {@link #fail(Throwable)} was called (items may still be buffered). */
    boolean isClosed();

    /** Items buffered now; a snapshot that may be stale by the time it is used. */
    int size();

    /** The buffer's capacity; 0 for a rendezvous channel. */
    int capacity();

    /** A consistent snapshot of this channel's counters. */
    ChannelStats stats();

    /** The name given at build time, used in exception messages. */
    String name();
}
