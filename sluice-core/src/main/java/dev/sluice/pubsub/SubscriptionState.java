package dev.sluice.pubsub;

/** Where a {@link Subscription} stands. Once it leaves {@link #ACTIVE} it never returns. */
public enum SubscriptionState {
    /** Receiving new messages. */
    ACTIVE,
    /** The subscriber called {@link Subscription#unsubscribe()}. */
    UNSUBSCRIBED,
    /** Removed by {@link SlowSubscriberPolicy#DISCONNECT} because its buffer was full. */
    DISCONNECTED,
    /** The broadcaster was closed. */
    BROADCASTER_CLOSED
}
