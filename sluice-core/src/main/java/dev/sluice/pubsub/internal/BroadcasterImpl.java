package dev.sluice.pubsub.internal;

import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.pubsub.Broadcaster;
import dev.sluice.pubsub.BroadcasterClosedException;
import dev.sluice.pubsub.BroadcasterStats;
import dev.sluice.pubsub.SlowSubscriberPolicy;
import dev.sluice.pubsub.SubscriberStats;
import dev.sluice.pubsub.Subscription;
import dev.sluice.pubsub.SubscriptionState;
import dev.sluice.pubsub.TooManySubscribersException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/** The broadcaster: a copy-on-write array of subscriptions, each over its own bounded channel. */
public final class BroadcasterImpl<T> implements Broadcaster<T> {
    /*
     * Implementation overview
     *
     * Publish reads the volatile array once and offers the message to each subscription with the
     * channel's trySend, which never waits. Subscribe, unsubscribe, disconnect and close replace the array
     * under a ReentrantLock (never held while calling a channel or user code), so publishers never take
     * that lock and never see a half-built list. Because publish works on the array it read, a
     * subscription removed at the same moment may still be offered the message; its channel is closed
     * right after removal and the offer then fails with ChannelClosedException, which publish ignores.
     *
     * Totals are LongAdders bumped once per publish (not once per subscriber), so many publishers do not
     * contend on one counter; per-subscriber counts come from each channel's own statistics.
     */

    @SuppressWarnings("rawtypes")
    private static final SubscriptionImpl[] NONE = new SubscriptionImpl[0];
    private static final AtomicLong NAMES = new AtomicLong();

    private final String name;
    private final int maxSubscribers;
    private final int defaultCapacity;
    private final SlowSubscriberPolicy defaultPolicy;

    private final ReentrantLock lock = new ReentrantLock();
    @SuppressWarnings("unchecked")
    private volatile SubscriptionImpl<T>[] subscribers = NONE;
    private volatile boolean closed;

    private final LongAdder published = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    final LongAdder dropped = new LongAdder();
    private final LongAdder disconnected = new LongAdder();

    public BroadcasterImpl(String name, int maxSubscribers, int defaultCapacity, SlowSubscriberPolicy defaultPolicy) {
        this.name = name;
        this.maxSubscribers = maxSubscribers;
        this.defaultCapacity = defaultCapacity;
        this.defaultPolicy = defaultPolicy;
    }

    /** Checks a subscriber buffer size. */
    public static int checkCapacity(int capacity) {
        if (capacity < 1 || capacity > Channel.MAX_CAPACITY) {
            throw new IllegalArgumentException("a subscriber's capacity must be between 1 and " + Channel.MAX_CAPACITY
                    + " (it is the buffer that lets it fall behind without holding publishers back), got " + capacity);
        }
        return capacity;
    }

    @Override
    public Subscription<T> subscribe() {
        return subscribe(name + "-subscriber-" + NAMES.incrementAndGet(), defaultCapacity, defaultPolicy);
    }

    @Override
    public Subscription<T> subscribe(String subscriberName, int capacity, SlowSubscriberPolicy policy) {
        Objects.requireNonNull(subscriberName, "name");
        Objects.requireNonNull(policy, "policy");
        checkCapacity(capacity);
        SubscriptionImpl<T> s = new SubscriptionImpl<>(this, subscriberName, capacity, policy);
        lock.lock();
        try {
            if (closed) {
                throw closedException("subscribe");
            }
            SubscriptionImpl<T>[] current = subscribers;
            if (current.length >= maxSubscribers) {
                throw new TooManySubscribersException("broadcaster '" + name + "' already has " + current.length
                        + " subscribers, its maximum (maxSubscribers); one must leave before another can join");
            }
            SubscriptionImpl<T>[] next = java.util.Arrays.copyOf(current, current.length + 1);
            next[current.length] = s;
            subscribers = next;
        } finally {
            lock.unlock();
        }
        return s;
    }

    @Override
    public int publish(T message) {
        Objects.requireNonNull(message, "message");
        if (closed) {
            throw closedException("publish");
        }
        int took = 0;
        for (SubscriptionImpl<T> s : subscribers) {
            try {
                if (s.offer(message)) {
                    took++;
                }
            } catch (ChannelClosedException leftMeanwhile) {
                // Removed and closed after we read the array: it is no longer a subscriber.
            }
        }
        published.increment();
        if (took > 0) {
            delivered.add(took);
        }
        return took;
    }

    /** Called by a subscription whose buffer refused a message under DROP_NEWEST or DISCONNECT. */
    void countDropped() {
        dropped.increment();
    }

    /** Removes {@code s} from the array; true if it was there. */
    boolean remove(SubscriptionImpl<T> s) {
        lock.lock();
        try {
            SubscriptionImpl<T>[] current = subscribers;
            int at = -1;
            for (int i = 0; i < current.length; i++) {
                if (current[i] == s) {
                    at = i;
                    break;
                }
            }
            if (at < 0) {
                return false;
            }
            @SuppressWarnings("unchecked")
            SubscriptionImpl<T>[] next = current.length == 1 ? NONE : new SubscriptionImpl[current.length - 1];
            System.arraycopy(current, 0, next, 0, at);
            System.arraycopy(current, at + 1, next, at, current.length - at - 1);
            subscribers = next;
            return true;
        } finally {
            lock.unlock();
        }
    }

    void countDisconnected() {
        disconnected.increment();
    }

    @Override
    public int subscriberCount() {
        return subscribers.length;
    }

    @Override
    public BroadcasterStats stats() {
        return new BroadcasterStats(published.sum(), delivered.sum(), dropped.sum(), disconnected.sum(),
                subscribers.length, maxSubscribers);
    }

    @Override
    public List<SubscriberStats> subscriberStats() {
        SubscriptionImpl<T>[] current = subscribers;
        List<SubscriberStats> out = new ArrayList<>(current.length);
        for (SubscriptionImpl<T> s : current) {
            out.add(s.subscriberStats());
        }
        return List.copyOf(out);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void close() {
        SubscriptionImpl<T>[] all;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            all = subscribers;
            subscribers = NONE;
        } finally {
            lock.unlock();
        }
        for (SubscriptionImpl<T> s : all) {
            s.end(SubscriptionState.BROADCASTER_CLOSED);
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String name() {
        return name;
    }

    private BroadcasterClosedException closedException(String op) {
        return new BroadcasterClosedException("cannot " + op + ": broadcaster '" + name + "' is closed");
    }

    @Override
    public String toString() {
        return "Broadcaster[" + name + ", subscribers=" + subscribers.length + "/" + maxSubscribers + (closed ? ", closed]" : "]");
    }
}
