package dev.sluice.pubsub.internal;

import dev.sluice.Context;
import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelStats;
import dev.sluice.channel.Clause;
import dev.sluice.channel.Overflow;
import dev.sluice.pubsub.SlowSubscriberPolicy;
import dev.sluice.pubsub.SubscriberDisconnectedException;
import dev.sluice.pubsub.SubscriberStats;
import dev.sluice.pubsub.Subscription;
import dev.sluice.pubsub.SubscriptionState;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;

/** One subscriber: a bounded channel the broadcaster offers messages to, and the receive side handed out. */
final class SubscriptionImpl<T> implements Subscription<T> {

    private final BroadcasterImpl<T> owner;
    private final String name;
    private final int capacity;
    private final SlowSubscriberPolicy policy;
    private final Channel<T> buffer;
    private final AtomicReference<SubscriptionState> state = new AtomicReference<>(SubscriptionState.ACTIVE);
    private volatile SubscriberDisconnectedException disconnection;

    SubscriptionImpl(BroadcasterImpl<T> owner, String name, int capacity, SlowSubscriberPolicy policy) {
        this.owner = owner;
        this.name = name;
        this.capacity = capacity;
        this.policy = policy;
        var b = Channel.<T>builder().capacity(capacity).name(name);
        if (policy == SlowSubscriberPolicy.DROP_OLDEST) {
            // Evictions happen inside trySend, on the publishing thread; counted once here for the totals,
            // and by the channel itself for this subscriber.
            b.overflow(Overflow.DROP_OLDEST).onDrop(evicted -> owner.countDropped());
        } else {
            // trySend on a full BLOCK channel returns false without waiting: the policy decides what follows.
            b.overflow(Overflow.BLOCK);
        }
        this.buffer = b.build();
    }

    /**
     * Offers a message without waiting; true if the buffer took it.
     *
     * @throws dev.sluice.channel.ChannelClosedException if this subscription has ended
     */
    boolean offer(T message) {
        if (buffer.trySend(message)) {
            return true;
        }
        owner.countDropped();
        if (policy == SlowSubscriberPolicy.DISCONNECT) {
            disconnect();
        }
        return false;
    }

    private void disconnect() {
        if (!state.compareAndSet(SubscriptionState.ACTIVE, SubscriptionState.DISCONNECTED)) {
            return;
        }
        owner.remove(this);
        owner.countDisconnected();
        SubscriberDisconnectedException why =
                new SubscriberDisconnectedException(name, owner.name(), capacity, buffer.stats().sent());
        disconnection = why;
        buffer.fail(why);
    }

    /** Ends the subscription in {@code how} unless it already ended; closes the buffer. */
    void end(SubscriptionState how) {
        if (state.compareAndSet(SubscriptionState.ACTIVE, how)) {
            buffer.close();
        }
    }

    @Override
    public void unsubscribe() {
        if (state.get() == SubscriptionState.ACTIVE) {
            owner.remove(this);
            end(SubscriptionState.UNSUBSCRIBED);
        }
    }

    @Override
    public void close() {
        unsubscribe();
    }

    @Override
    public SubscriptionState state() {
        return state.get();
    }

    @Override
    public Optional<SubscriberDisconnectedException> disconnection() {
        return Optional.ofNullable(disconnection);
    }

    @Override
    public SubscriberStats subscriberStats() {
        ChannelStats c = buffer.stats();
        // Under DROP_OLDEST the channel counts evictions as dropped; under the others a refused trySend is
        // counted as rejected, and the policy made that a drop.
        long dropped = policy == SlowSubscriberPolicy.DROP_OLDEST ? c.dropped() : c.rejected();
        return new SubscriberStats(name, state.get(), policy, capacity, c.sent(), dropped, c.received(), c.size());
    }

    // ReceivePort, delegated to the buffer.

    @Override
    public T receive() throws InterruptedException {
        return buffer.receive();
    }

    @Override
    public T tryReceive() {
        return buffer.tryReceive();
    }

    @Override
    public T receive(Duration timeout) throws InterruptedException {
        return buffer.receive(timeout);
    }

    @Override
    public T receive(Context context) throws InterruptedException {
        return buffer.receive(context);
    }

    @Override
    public <R> Clause<R> onReceive(Function<? super T, ? extends R> then) {
        return buffer.onReceive(then);
    }

    @Override
    public Stream<T> stream() {
        return buffer.stream();
    }

    @Override
    public Iterator<T> iterator() {
        return buffer.iterator();
    }

    @Override
    public boolean isClosed() {
        return buffer.isClosed();
    }

    @Override
    public int size() {
        return buffer.size();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public ChannelStats stats() {
        return buffer.stats();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "Subscription[" + name + ", " + state.get() + ", " + policy + ", buffered=" + buffer.size() + "/" + capacity + "]";
    }
}
