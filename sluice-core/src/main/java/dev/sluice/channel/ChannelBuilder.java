package dev.sluice.channel;

import dev.sluice.channel.internal.ChannelImpl;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Configures a {@link Channel}. Not thread-safe; {@link #build()} may be called more than once, each call
 * making a new channel. The capacity must be set; everything else has a default: policy
 * {@link Overflow#BLOCK}, a generated name, no drop handler.
 *
 * @param <T> the item type
 */
public final class ChannelBuilder<T> {

    private static final AtomicLong NAMES = new AtomicLong();

    private int capacity = -1;
    private Overflow overflow = Overflow.BLOCK;
    private String name;
    private Consumer<? super T> onDrop;

    ChannelBuilder() { }

    /**
     * The number of items the buffer holds, from 0 (rendezvous) to {@value Channel#MAX_CAPACITY}.
     *
     * @throws IllegalArgumentException if negative or above the maximum
     */
    public ChannelBuilder<T> capacity(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0 (0 is a rendezvous channel), got " + capacity);
        }
        if (capacity > Channel.MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity " + capacity + " is above the maximum of " + Channel.MAX_CAPACITY
                    + ": sluice has no unbounded channel, and a buffer this large hides overload instead of "
                    + "signalling it; size the buffer from the latency you can afford (Little's law)");
        }
        this.capacity = capacity;
        return this;
    }

    /** What a full channel does with a new item; see {@link Overflow}. */
    public ChannelBuilder<T> overflow(Overflow overflow) {
        this.overflow = Objects.requireNonNull(overflow, "overflow");
        return this;
    }

    /** A name for messages and metrics. */
    public ChannelBuilder<T> name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * Called with each item that {@link Overflow#DROP_NEWEST} discards or {@link Overflow#DROP_OLDEST}
     * evicts, on the sending thread, before {@code send} returns, and never under the channel's lock.
     * If it throws, the exception propagates out of that {@code send} (the item stays counted as dropped).
     */
    public ChannelBuilder<T> onDrop(Consumer<? super T> onDrop) {
        this.onDrop = Objects.requireNonNull(onDrop, "onDrop");
        return this;
    }

    /**
     * Creates the channel.
     *
     * @throws IllegalStateException if no capacity was set, or the policy needs a buffer the capacity lacks
     */
    public Channel<T> build() {
        if (capacity < 0) {
            throw new IllegalStateException("capacity was not set: every sluice channel is bounded, choose a capacity");
        }
        if (overflow == Overflow.DROP_OLDEST && capacity == 0) {
            throw new IllegalStateException("DROP_OLDEST needs a capacity of at least 1: a rendezvous channel has no oldest item to evict");
        }
        return new ChannelImpl<>(capacity, overflow, name(), onDrop);
    }

    private String name() {
        return name != null ? name : "channel-" + NAMES.incrementAndGet();
    }
}
