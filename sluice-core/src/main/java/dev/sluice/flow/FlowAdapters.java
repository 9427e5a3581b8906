package dev.sluice.flow;

import dev.sluice.channel.ReceivePort;
import dev.sluice.channel.SendPort;
import dev.sluice.flow.internal.ChannelPublisher;
import dev.sluice.flow.internal.ChannelSubscriberImpl;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/**
 * Bridges between sluice channels and {@link java.util.concurrent.Flow} (Reactive Streams), so that a
 * channel can feed, or be fed by, Reactor, RxJava, Akka/Pekko Streams, Mutiny or the JDK's
 * {@code SubmissionPublisher}. Backpressure crosses the bridge in both directions: demand
 * ({@code request(n)}) on one side, a bounded buffer on the other.
 *
 * <p>Both adapters pass the Reactive Streams TCK; see the package documentation for the rules it cannot
 * check and the choices made where the specification leaves one.
 */
public final class FlowAdapters {

    private static final Executor VIRTUAL_THREADS =
            task -> Thread.ofVirtual().name("sluice-flow").start(task);

    private FlowAdapters() { }

    /**
     * A publisher of the items received from {@code source}, on virtual threads (at most one per
     * subscription at a time). See {@link #toPublisher(ReceivePort, Executor)}.
     */
    public static <T> Flow.Publisher<T> toPublisher(ReceivePort<T> source) {
        return toPublisher(source, VIRTUAL_THREADS);
    }

    /**
     * A publisher of the items received from {@code source}.
     *
     * <p>Each subscription receives from the channel only while it has demand: it never takes an item that
     * was not requested, so it never emits more than requested and never holds items back in a buffer of
     * its own. When the channel is closed and drained the subscriber gets {@code onComplete}; if it was
     * closed with {@link SendPort#fail(Throwable)}, {@code onError} with that cause. A close that happens
     * while the subscriber has no outstanding demand is signalled at once if the channel is already
     * drained, else when it next requests.
     *
     * <p>Several subscribers may subscribe: they then compete for the channel's items as several receivers
     * of a channel do, each item going to exactly one of them (unicast, not multicast; for a copy to each,
     * use a {@link dev.sluice.pubsub.Broadcaster}). Cancelling stops that subscription's receiving; it does
     * not close the channel, which belongs to its sender. An item the subscription had already taken
     * when it was cancelled is still passed to {@code onNext} (rule 1.8 allows it) and is not returned to
     * the channel.
     *
     * <p>Signals to a subscriber are serial and come from a task run on {@code executor}, at most one per
     * subscription at a time, started when demand arrives and ended when it is met; while it has demand
     * and the channel is empty, that task waits in a receive, so give an executor whose threads may block
     * (virtual threads). If the executor refuses a task the subscriber gets {@code onError} with the
     * {@link java.util.concurrent.RejectedExecutionException}; if the task's thread is interrupted, it gets
     * {@code onError} with a {@link dev.sluice.CancelledException}.
     */
    public static <T> Flow.Publisher<T> toPublisher(ReceivePort<T> source, Executor executor) {
        return new ChannelPublisher<>(Objects.requireNonNull(source, "source"), Objects.requireNonNull(executor, "executor"));
    }

    /**
     * A subscriber that sends what it receives into {@code sink}, with a window of {@code sink.capacity()}
     * items (1 for a rendezvous channel). See {@link #toSubscriber(SendPort, int)}.
     */
    public static <T> ChannelSubscriber<T> toSubscriber(SendPort<T> sink) {
        return toSubscriber(sink, Math.max(1, sink.capacity()));
    }

    /**
     * A subscriber that sends what it receives into {@code sink}, requesting only as much as it has room
     * for: credit-based flow control, like an HTTP/2 window.
     *
     * <p>It owns a buffer of exactly {@code window} slots and keeps this invariant: items requested but
     * not yet arrived, plus items in its buffer, never exceed {@code window}. It requests {@code window}
     * when subscribed and afterwards only as slots are freed, that is, as items move on into the channel
     * (replenishing in batches of half the window). So every {@code onNext} finds a free slot, and
     * {@code onNext} never waits: it puts the item in the buffer and, if the channel has room, sends it on
     * at once with {@code trySend}. When the channel is full the items wait in the buffer, a forwarding
     * task on a virtual thread sends them with a blocking {@code send} (the channel's backpressure), and no
     * more is requested until they have gone. At most {@code window} items wait in the subscriber beyond
     * what the channel itself holds. The channel may have other senders; order is kept among this
     * subscriber's items.
     *
     * <p>{@code onComplete} closes the channel and {@code onError} fails it with the error, each after the
     * buffered items have been sent. A publisher that sends more than was requested (breaking rule 1.1)
     * is cancelled and the channel failed with an {@link IllegalStateException}. If the channel is closed by
     * someone else the subscription is cancelled and the remaining buffered items are discarded.
     * {@link ChannelSubscriber#cancel()} cancels the subscription and discards the buffer but leaves the
     * channel open. The sink's overflow policy applies to the forwarding send: with
     * {@link dev.sluice.channel.Overflow#BLOCK} nothing is lost.
     *
     * @throws IllegalArgumentException if {@code window} is not between 1 and
     *                                  {@link dev.sluice.channel.Channel#MAX_CAPACITY}
     */
    public static <T> ChannelSubscriber<T> toSubscriber(SendPort<T> sink, int window) {
        Objects.requireNonNull(sink, "sink");
        if (window < 1 || window > dev.sluice.channel.Channel.MAX_CAPACITY) {
            throw new IllegalArgumentException("window must be between 1 and " + dev.sluice.channel.Channel.MAX_CAPACITY
                    + " (it is the credit the subscriber grants and the buffer it reserves), got " + window);
        }
        return new ChannelSubscriberImpl<>(sink, window, VIRTUAL_THREADS);
    }
}
