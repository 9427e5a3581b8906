package dev.sluice.pubsub;

import dev.sluice.pubsub.internal.BroadcasterImpl;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Configures a {@link Broadcaster}. Not thread-safe; each {@link #build()} makes a new broadcaster.
 * Defaults: at most 1,024 subscribers; each subscription made with {@link Broadcaster#subscribe()} gets a
 * buffer of 64 messages and {@link SlowSubscriberPolicy#DISCONNECT}; a generated name.
 *
 * @param <T> the message type
 */
public final class BroadcasterBuilder<T> {

    private static final AtomicLong NAMES = new AtomicLong();
    /** The largest subscriber cap: publish is O(subscribers), so more than this belongs in a tree of broadcasters. */
    public static final int MAX_SUBSCRIBERS = 65_536;

    private String name;
    private int maxSubscribers = 1_024;
    private int capacity = 64;
    private SlowSubscriberPolicy policy = SlowSubscriberPolicy.DISCONNECT;

    BroadcasterBuilder() { }

    /** A name for messages and metrics. */
    public BroadcasterBuilder<T> name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * The most subscribers it accepts at once, from 1 to {@value #MAX_SUBSCRIBERS}; a subscribe beyond it
     * throws {@link TooManySubscribersException}.
     */
    public BroadcasterBuilder<T> maxSubscribers(int maxSubscribers) {
        if (maxSubscribers < 1 || maxSubscribers > MAX_SUBSCRIBERS) {
            throw new IllegalArgumentException("maxSubscribers must be between 1 and " + MAX_SUBSCRIBERS + ", got " + maxSubscribers);
        }
        this.maxSubscribers = maxSubscribers;
        return this;
    }

    /** The buffer size {@link Broadcaster#subscribe()} gives, from 1 to {@link dev.sluice.channel.Channel#MAX_CAPACITY}. */
    public BroadcasterBuilder<T> subscriberCapacity(int capacity) {
        this.capacity = BroadcasterImpl.checkCapacity(capacity);
        return this;
    }

    /** The policy {@link Broadcaster#subscribe()} gives. */
    public BroadcasterBuilder<T> slowSubscriberPolicy(SlowSubscriberPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    public Broadcaster<T> build() {
        return new BroadcasterImpl<>(name != null ? name : "broadcaster-" + NAMES.incrementAndGet(),
                maxSubscribers, capacity, policy);
    }
}
