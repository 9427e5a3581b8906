package dev.sluice.pubsub;

/**
 * What a {@link Broadcaster} does with a message for a subscriber whose buffer is full. The publisher
 * never waits, whichever is chosen; every message a subscriber does not get is counted in its
 * {@link SubscriberStats#dropped()}.
 */
public enum SlowSubscriberPolicy {
    /** The new message is not given to this subscriber; what it has buffered stays. */
    DROP_NEWEST,
    /** The oldest buffered message is discarded to make room for the new one: the subscriber keeps the newest. */
    DROP_OLDEST,
    /**
     * The subscriber is removed: it receives what it had buffered, then its receive ends with a
     * {@link dev.sluice.channel.ChannelClosedException} whose cause is a {@link SubscriberDisconnectedException}.
     */
    DISCONNECT
}
