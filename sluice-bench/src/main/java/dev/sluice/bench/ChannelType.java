package dev.sluice.bench;

import dev.sluice.channel.Channel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;

/**
 * The implementations compared by the benchmarks, each a factory for a {@link Handoff} of a given
 * capacity. Capacity 0 means a rendezvous: a sender waits until a receiver takes its item.
 *
 * <p>Not every implementation exists at every capacity: the JDK's array and linked queues need a
 * capacity of at least 1, and {@link SynchronousQueue} has no buffer at all. {@link #supports(int)}
 * says which combinations are meaningful; the report only runs those.
 */
public enum ChannelType {

    /** sluice's {@link Channel}: {@link Channel#rendezvous()} at 0, {@link Channel#bounded(int)} otherwise. */
    SLUICE("sluice") {
        @Override
        public boolean supports(int capacity) {
            return capacity >= 0;
        }

        @Override
        Handoff newHandoff(int capacity) {
            Channel<Object> channel = capacity == 0 ? Channel.rendezvous() : Channel.bounded(capacity);
            return new Handoff() {
                @Override
                public void put(Object item) throws InterruptedException {
                    channel.send(item);
                }

                @Override
                public Object take() throws InterruptedException {
                    return channel.receive();
                }
            };
        }
    },

    /** {@link ArrayBlockingQueue} (non-fair), buffered only. */
    ARRAY_BLOCKING_QUEUE("ArrayBlockingQueue") {
        @Override
        public boolean supports(int capacity) {
            return capacity >= 1;
        }

        @Override
        Handoff newHandoff(int capacity) {
            return queue(new ArrayBlockingQueue<>(capacity));
        }
    },

    /** {@link LinkedBlockingQueue} with a capacity bound, buffered only. */
    LINKED_BLOCKING_QUEUE("LinkedBlockingQueue") {
        @Override
        public boolean supports(int capacity) {
            return capacity >= 1;
        }

        @Override
        Handoff newHandoff(int capacity) {
            return queue(new LinkedBlockingQueue<>(capacity));
        }
    },

    /** {@link SynchronousQueue} (non-fair), rendezvous only. */
    SYNCHRONOUS_QUEUE("SynchronousQueue") {
        @Override
        public boolean supports(int capacity) {
            return capacity == 0;
        }

        @Override
        Handoff newHandoff(int capacity) {
            return queue(new SynchronousQueue<>());
        }
    },

    /** SoftwareMill jox 1.0.1: {@code newRendezvousChannel()} at 0, {@code newBufferedChannel(n)} otherwise. */
    JOX("jox") {
        @Override
        public boolean supports(int capacity) {
            return capacity >= 0;
        }

        @Override
        Handoff newHandoff(int capacity) {
            com.softwaremill.jox.Channel<Object> channel = capacity == 0
                    ? com.softwaremill.jox.Channel.newRendezvousChannel()
                    : com.softwaremill.jox.Channel.newBufferedChannel(capacity);
            return new Handoff() {
                @Override
                public void put(Object item) throws InterruptedException {
                    channel.send(item);
                }

                @Override
                public Object take() throws InterruptedException {
                    return channel.receive();
                }
            };
        }
    };

    private final String label;

    ChannelType(String label) {
        this.label = label;
    }

    /** The name shown in reports. */
    public String label() {
        return label;
    }

    /** Whether this implementation exists at {@code capacity}. */
    public abstract boolean supports(int capacity);

    abstract Handoff newHandoff(int capacity);

    /** A new, empty handoff of {@code capacity}; fails if this implementation does not support it. */
    public Handoff create(int capacity) {
        if (!supports(capacity)) {
            throw new IllegalArgumentException(label + " does not exist at capacity " + capacity
                    + " (ArrayBlockingQueue and LinkedBlockingQueue need >= 1, SynchronousQueue is 0 only)");
        }
        return newHandoff(capacity);
    }

    private static Handoff queue(BlockingQueue<Object> queue) {
        return new Handoff() {
            @Override
            public void put(Object item) throws InterruptedException {
                queue.put(item);
            }

            @Override
            public Object take() throws InterruptedException {
                return queue.take();
            }
        };
    }
}
