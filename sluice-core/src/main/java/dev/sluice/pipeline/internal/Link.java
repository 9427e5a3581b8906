package dev.sluice.pipeline.internal;

import dev.sluice.Context;
import dev.sluice.channel.Channel;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ChannelFullException;
import dev.sluice.channel.Overflow;
import dev.sluice.channel.internal.ChannelImpl;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One bounded link between stages: a sluice channel, the number of threads still writing to it (the
 * last one to finish closes it), and the number of threads reading it.
 *
 * <p>A link is closed from the writing side when every writer is done (the normal end), or from the
 * reading side when its only consumer stops early ({@link #closeFromReader()}): writers then see their
 * {@code send} fail and stop too, which is how an early stop travels upstream without cancelling
 * anything downstream.
 */
public final class Link {

    /** Returned by {@link #receive} once the link is closed and drained. */
    static final Object END = new Object();

    final String name;
    final Channel<Object> channel;
    final int writers;
    final int readers;
    private final AtomicInteger writersLeft;

    Link(String name, int capacity, Overflow overflow, int writers, int readers) {
        this.name = name;
        this.channel = Channel.builder().capacity(capacity).overflow(overflow).name(name).build();
        this.writers = writers;
        this.readers = readers;
        this.writersLeft = new AtomicInteger(writers);
    }

    /** The next item, or {@link #END}; time spent waiting is added to {@code meter}. */
    Object receive(Meter meter, PipelineRun run) throws InterruptedException {
        try {
            Object x = channel.tryReceive();
            if (x != null) {
                return x;
            }
            if ((x = afterYield()) != null) {
                return x;
            }
            long t0 = System.nanoTime();
            try {
                return channel.receive(run.ctx);
            } finally {
                meter.addBlockedIn(System.nanoTime() - t0);
            }
        } catch (ChannelClosedException closed) {
            return END;
        }
    }

    /**
     * {@link #receive} that also stores the item's number in {@code number[0]}: its position in the
     * order the link handed items out (see {@link ChannelImpl#receiveNumbered}). Dense as long as every
     * reader of the link receives this way.
     */
    Object receiveNumbered(Meter meter, PipelineRun run, long[] number) throws InterruptedException {
        ChannelImpl<Object> c = (ChannelImpl<Object>) channel;
        try {
            Object x = c.tryReceiveNumbered(number);
            if (x != null) {
                return x;
            }
            if (Thread.currentThread().isVirtual()) {
                // The same one yield before parking as receive (see afterYield), so that ordered and
                // unordered workers wait for input alike.
                Thread.yield();
                if ((x = c.tryReceiveNumbered(number)) != null) {
                    return x;
                }
            }
            long t0 = System.nanoTime();
            try {
                return c.receiveNumbered(run.ctx, number);
            } finally {
                meter.addBlockedIn(System.nanoTime() - t0);
            }
        } catch (ChannelClosedException closed) {
            return END;
        }
    }

    /**
     * Before a virtual thread parks on an empty link it yields its carrier once and looks again; returns
     * what it then finds, or null (also on a platform thread, which the channel spins for instead). Why:
     * a tiny item is often produced faster than a park takes, so a consumer that parks at once is parked
     * after every item, and each costs the producer an unpark (a scheduler submission, often an OS
     * wake-up of an idle carrier) and the consumer a remount. A yield lets the producer, or whatever else
     * is runnable, go first, so the consumer comes back to items that piled up in the meantime.
     *
     * @throws ChannelClosedException if the link is closed and drained
     */
    Object afterYield() {
        if (!Thread.currentThread().isVirtual()) {
            return null;
        }
        Thread.yield();
        return channel.tryReceive();
    }

    /**
     * Sends {@code x}, waiting on {@code ctx} when the link's policy is BLOCK. Returns false if the
     * reader closed the link (it stopped early). An item refused by a REJECT link is counted by the channel
     * and dropped, like an item dropped by the DROP policies: the stage goes on.
     */
    boolean send(Object x, Context ctx) throws InterruptedException {
        try {
            channel.send(x, ctx);
            return true;
        } catch (ChannelFullException rejected) {
            return true;
        } catch (ChannelClosedException closed) {
            return false;
        }
    }

    /** One writer is done; the last one closes the channel. */
    void writerDone() {
        if (writersLeft.decrementAndGet() == 0) {
            channel.close();
        }
    }

    /** The reader stops early: close the link so writers stop, and throw away what is buffered. */
    long closeFromReader() {
        channel.close();
        long discarded = 0;
        try {
            while (channel.tryReceive() != null) {
                discarded++;
            }
        } catch (ChannelClosedException drained) {
            // closed and empty: nothing more to discard
        }
        return discarded;
    }

    /** Removes and returns what is still buffered; used once every thread has ended. */
    List<Object> takeLeftovers() {
        List<Object> left = new ArrayList<>();
        try {
            for (Object x; (x = channel.tryReceive()) != null; ) {
                left.add(x);
            }
        } catch (ChannelClosedException drained) {
            // closed and empty
        }
        return left;
    }
}
