package dev.sluice.channel;

import dev.sluice.Context;
import java.time.Duration;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The receiving side of a channel: what a consumer is handed so that it can take items, but not send or
 * close. Items come out in the order they were accepted; each is received exactly once.
 *
 * <table class="striped">
 * <caption>The forms of receive, on an empty open channel</caption>
 * <thead><tr><th>never waits</th><th>waits</th><th>waits at most</th><th>waits until the context is done</th></tr></thead>
 * <tbody><tr><td>{@link #tryReceive()}: null</td><td>{@link #receive()}</td>
 * <td>{@link #receive(Duration)}: null on timeout</td>
 * <td>{@link #receive(Context)}: {@code DeadlineExceededException} / {@code CancelledException}</td></tr></tbody>
 * </table>
 *
 * <p>Once the channel is closed and its buffer drained, every form throws
 * {@link ChannelClosedException} (with the failure as its cause if it was closed with
 * {@link SendPort#fail(Throwable)}); receivers waiting at that moment are woken with it. Waiting ends with
 * {@link InterruptedException} on interrupt; an item handed over at the moment of an interrupt or timeout
 * is returned (the interrupt flag stays set), so no item is lost to a race.
 *
 * <p>Iterating (for-each, {@link #stream()}) receives until the channel is closed and drained, then
 * ends; if it was closed with an error, the iteration throws {@link ChannelClosedException} instead of
 * ending quietly. An interrupt during iteration throws {@link dev.sluice.CancelledException} with the
 * interrupt flag set.
 *
 * <p>Memory consistency effects: actions in a thread before it sends an item happen-before the actions
 * following the receipt of that item in another thread.
 *
 * @param <T> the item type
 */
public interface ReceivePort<T> extends Iterable<T> {

    /**
     * Takes the next item, waiting for one if the channel is empty.
     *
     * @throws ChannelClosedException if the channel is closed and drained
     * @throws InterruptedException   if interrupted while waiting
     */
    T receive() throws InterruptedException;

    /**
     * Takes the next item if there is one now; {@code null} if the channel is empty and open.
     *
     * @throws ChannelClosedException if the channel is closed and drained
     */
    T tryReceive();

    /** Like {@link #receive()} but waits at most {@code timeout}; {@code null} if it elapsed first. */
    T receive(Duration timeout) throws InterruptedException;

    /**
     * Like {@link #receive()} but gives up when {@code context} is done. A context that is already done
     * fails the call at once, even if an item is ready.
     */
    T receive(Context context) throws InterruptedException;

    /**
     * A {@link Select} clause that receives an item and returns {@code then.apply(item)}. On a channel that
     * is closed and drained the select throws {@link ChannelClosedException} and {@code then} is not called.
     */
    <R> Clause<R> onReceive(Function<? super T, ? extends R> then);

    /** A sequential stream of the items received until the channel is closed and drained. */
    Stream<T> stream();

    /** True once the sending side closed the channel (items may still be buffered). */
    boolean isClosed();

    /** Items buffered now; a snapshot that may be stale by the time it is used. */
    int size();

    /** The buffer's capacity; 0 for a rendezvous channel. */
    int capacity();

    /** A consistent snapshot of this channel's counters. */
    ChannelStats stats();

    /** The name given at build time. */
    String name();
}
