package dev.sluice.pubsub;

import java.util.List;

/**
 * Publish once, deliver to every subscriber, and never let a slow subscriber hold the publishers back.
 *
 * <p>Each subscriber has its own bounded buffer (a sluice channel) and its own
 * {@link SlowSubscriberPolicy} for when that buffer is full: drop the new message, drop the oldest, or
 * disconnect the subscriber. {@link #publish(Object)} offers the message to every current subscriber
 * without waiting and returns; it blocks only for the few nanoseconds each buffer's lock is held. There
 * is no unbounded list: the number of subscribers is capped by {@link BroadcasterBuilder#maxSubscribers(int)}.
 *
 * <p>Ordering: every subscriber receives the messages of one publishing thread in the order that thread
 * published them. Messages published concurrently by different threads have no common order: two
 * subscribers may see them interleaved differently. A subscriber receives only messages published while
 * it is subscribed; a message published with no subscriber is counted and gone (this is pub/sub, not a
 * queue). A publish that runs concurrently with a subscribe, an unsubscribe or a disconnection may or may
 * not reach that subscriber.
 *
 * <p>Closing: {@link #close()} removes every subscriber and closes its buffer; each receives what it had
 * buffered and then its receive ends. {@link #publish(Object)} and {@link #subscribe()} after close throw
 * {@link BroadcasterClosedException}; a publish that runs concurrently with close reaches the subscribers
 * whose buffers were still open. Publishing never waits, so it is never interrupted or cancelled;
 * receiving is cancelled through the subscription's own {@code receive(Context)}.
 *
 * <p>Memory consistency effects: actions in a thread before it publishes a message happen-before the
 * actions following the receipt of that message by a subscriber.
 *
 * <pre>{@code
 * Broadcaster<Quote> quotes = Broadcaster.<Quote>builder().maxSubscribers(100).build();
 * try (Subscription<Quote> sub = quotes.subscribe("ticker", 256, SlowSubscriberPolicy.DROP_OLDEST)) {
 *     for (Quote q : sub) show(q);        // ends when the broadcaster closes
 * }
 * quotes.publish(quote);                  // never waits for a subscriber
 * }</pre>
 *
 * @param <T> the message type
 */
public interface Broadcaster<T> extends AutoCloseable {

    /** A builder with defaults: 1,024 subscribers at most, each with a buffer of 64 and policy DISCONNECT. */
    static <T> BroadcasterBuilder<T> builder() {
        return new BroadcasterBuilder<>();
    }

    /** A subscription with the builder's default buffer size and policy and a generated name. */
    Subscription<T> subscribe();

    /**
     * A subscription with its own buffer size and policy.
     *
     * @throws IllegalArgumentException     if {@code capacity < 1} or above {@link dev.sluice.channel.Channel#MAX_CAPACITY}
     * @throws TooManySubscribersException if the broadcaster already has its maximum number of subscribers
     * @throws BroadcasterClosedException   if the broadcaster is closed
     */
    Subscription<T> subscribe(String name, int capacity, SlowSubscriberPolicy policy);

    /**
     * Offers {@code message} to every current subscriber, never waiting for one. A full subscriber is
     * handled by its policy.
     *
     * @return the number of subscribers whose buffer took the message
     * @throws NullPointerException       if {@code message} is null
     * @throws BroadcasterClosedException if the broadcaster is closed
     */
    int publish(T message);

    /** The subscribers active now. */
    int subscriberCount();

    /** A snapshot of the totals. */
    BroadcasterStats stats();

    /** A snapshot of each active subscriber's counters. */
    List<SubscriberStats> subscriberStats();

    /** Closes every subscriber's buffer and refuses further publishes and subscribes. Idempotent. */
    @Override
    void close();

    boolean isClosed();

    /** The name given at build time. */
    String name();
}
