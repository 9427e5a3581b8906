package dev.sluice.channel;

/**
 * A bounded, multi-producer multi-consumer channel, after Go's: senders block, drop or are refused when it
 * is full, as chosen by its {@link Overflow} policy; receivers block when it is empty; the sending side
 * closes it. Works the same from platform and virtual threads. There is no unbounded channel: the
 * largest capacity is {@value #MAX_CAPACITY}.
 *
 * <p>Ordering: items are received in the order they were accepted. Waiting senders and waiting receivers
 * are each served first-in, first-out. When a receiver is waiting, a send hands its item straight to
 * it. See {@link SendPort} and {@link ReceivePort} for the four forms of each operation and what they do
 * on full, closed, interrupted and cancelled; {@link Select} waits on several channels at once.
 *
 * <p>Memory consistency effects: actions in a thread before it sends an item happen-before the actions
 * following the receipt of that item in another thread.
 *
 * <pre>{@code
 * Channel<Job> jobs = Channel.bounded(100);
 * Thread.ofVirtual().start(() -> { for (Job j : jobs) handle(j); });   // ends when closed and drained
 * jobs.send(job, ctx);          // waits for room, or DeadlineExceededException
 * if (!jobs.trySend(job)) shed(job);
 * jobs.close();
 * }</pre>
 *
 * @param <T> the item type
 */
public interface Channel<T> extends SendPort<T>, ReceivePort<T> {

    /** The largest capacity a channel accepts. */
    int MAX_CAPACITY = 1_000_000;

    /** A channel buffering up to {@code capacity} items whose senders wait when it is full. */
    static <T> Channel<T> bounded(int capacity) {
        return Channel.<T>builder().capacity(capacity).build();
    }

    /** A channel with no buffer: a send completes only when a receiver takes the item. */
    static <T> Channel<T> rendezvous() {
        return Channel.<T>builder().capacity(0).build();
    }

    /** A channel of capacity 1 where the newest item wins: a send replaces an unreceived item and never waits. */
    static <T> Channel<T> conflated() {
        return Channel.<T>builder().capacity(1).overflow(Overflow.DROP_OLDEST).build();
    }

    /** A builder for a channel with a chosen capacity, overflow policy, name and drop handler. */
    static <T> ChannelBuilder<T> builder() {
        return new ChannelBuilder<>();
    }
}
