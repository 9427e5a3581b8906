package dev.sluice.channel.internal;

import dev.sluice.CancelledException;
import dev.sluice.channel.ChannelClosedException;
import dev.sluice.channel.ReceivePort;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Iteration over any {@link ReceivePort} by blocking {@code receive}, as {@link ReceivePort#iterator()}
 * documents it: it ends when the port is closed and drained, throws the {@link ChannelClosedException}
 * of a port closed with a failure, and turns an interrupt into a {@link CancelledException} with the
 * interrupt flag set again. Shared by every channel implementation so that they cannot drift apart.
 */
public final class ReceiveIteration {

    private ReceiveIteration() {
    }

    /** An iterator over {@code port}; {@code what} names it in messages, e.g. {@code "channel 'jobs'"}. */
    public static <T> Iterator<T> iterator(ReceivePort<T> port, String what) {
        return new Iterator<>() {
            private T next;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                if (ended) {
                    return false;
                }
                try {
                    next = port.receive();
                    return true;
                } catch (ChannelClosedException e) {
                    ended = true;
                    if (e.isFailure()) {
                        throw e;
                    }
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancelledException("interrupted while iterating " + what, e);
                }
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException(what + " is closed and drained");
                }
                T x = next;
                next = null;
                return x;
            }
        };
    }

    /** A sequential, ordered stream over {@code iterator}. */
    public static <T> Stream<T> stream(Iterator<T> iterator) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator,
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }
}
