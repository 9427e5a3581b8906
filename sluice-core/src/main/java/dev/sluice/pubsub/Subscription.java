package dev.sluice.pubsub;

import dev.sluice.channel.ReceivePort;
import java.util.Optional;

/**
 * One subscriber's end of a {@link Broadcaster}: a {@link ReceivePort} over its own bounded buffer, so it
 * receives with any of the four forms of receive, with {@code for (T m : subscription)}, or in a
 * {@link dev.sluice.channel.Select}.
 *
 * <p>It receives the messages published while it is {@linkplain SubscriptionState#ACTIVE active}, each
 * publisher's messages in the order that publisher published them, less those its
 * {@link SlowSubscriberPolicy} dropped. When it stops being active — {@link #unsubscribe()}, the
 * broadcaster's close, or a disconnection — its buffer is closed: what was buffered can still be
 * received, then receive throws {@link dev.sluice.channel.ChannelClosedException} and iteration ends. After
 * a disconnection that exception's cause is the {@link SubscriberDisconnectedException}, so the iteration
 * throws instead of ending quietly.
 *
 * <p>Memory consistency effects: actions in a thread before it publishes a message happen-before the
 * actions following the receipt of that message by a subscriber.
 *
 * @param <T> the message type
 */
public interface Subscription<T> extends ReceivePort<T>, AutoCloseable {

    /**
     * Stops receiving new messages and closes the buffer (what it holds stays receivable). Idempotent, and
     * harmless after a disconnection or the broadcaster's close.
     */
    void unsubscribe();

    /** The same as {@link #unsubscribe()}, for try-with-resources. */
    @Override
    void close();

    /** Where this subscription stands. */
    SubscriptionState state();

    /** Why it was disconnected, if it was. */
    Optional<SubscriberDisconnectedException> disconnection();

    /** A snapshot of its counters. */
    SubscriberStats subscriberStats();
}
