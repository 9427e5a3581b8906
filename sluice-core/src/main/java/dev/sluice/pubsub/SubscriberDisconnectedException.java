package dev.sluice.pubsub;

import dev.sluice.SluiceException;

/**
 * Why a subscriber stopped receiving: its buffer was full when a message was published and its policy is
 * {@link SlowSubscriberPolicy#DISCONNECT}. It is the cause of the
 * {@link dev.sluice.channel.ChannelClosedException} its receive (or iteration) ends with, after it has
 * received what was buffered. It may subscribe again; the messages published in between are gone.
 */
public final class SubscriberDisconnectedException extends SluiceException {
    private static final long serialVersionUID = 1L;

    private final String subscriber;
    private final int capacity;
    private final long delivered;

    public SubscriberDisconnectedException(String subscriber, String broadcaster, int capacity, long delivered) {
        super("subscriber '" + subscriber + "' of broadcaster '" + broadcaster + "' was disconnected: its buffer of "
                + capacity + " messages was full when a message was published (policy DISCONNECT), after "
                + delivered + " delivered; it fell behind the publishers");
        this.subscriber = subscriber;
        this.capacity = capacity;
        this.delivered = delivered;
    }

    /** The subscription's name. */
    public String subscriber() {
        return subscriber;
    }

    /** The buffer size it had. */
    public int capacity() {
        return capacity;
    }

    /** Messages delivered into its buffer before it was disconnected. */
    public long delivered() {
        return delivered;
    }
}
