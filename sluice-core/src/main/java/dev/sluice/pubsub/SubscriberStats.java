package dev.sluice.pubsub;

/**
 * A snapshot of one subscriber's counters. Counters only grow.
 *
 * @param name      the subscription's name
 * @param state     where the subscription stands
 * @param policy    what happens to a message for it when its buffer is full
 * @param capacity  the size of its buffer, in messages
 * @param delivered messages put into its buffer (under {@link SlowSubscriberPolicy#DROP_OLDEST} this includes
 *                  messages later evicted by newer ones)
 * @param dropped   messages it did not get: refused while its buffer was full, evicted from it, or the one
 *                  that found it full and disconnected it
 * @param received  messages it has taken out of its buffer
 * @param buffered  messages waiting in its buffer at the time of the snapshot
 */
public record SubscriberStats(String name, SubscriptionState state, SlowSubscriberPolicy policy, int capacity,
                              long delivered, long dropped, long received, int buffered) {
}
