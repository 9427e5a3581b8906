package dev.sluice.pubsub;

/**
 * A snapshot of a broadcaster's totals. Counters only grow; each is exact, but they are read one after
 * the other, so a publish in progress may be counted in one and not yet in another.
 *
 * @param published     calls to {@link Broadcaster#publish(Object)} that were accepted
 * @param delivered     message copies put into subscribers' buffers, over all subscribers past and present
 * @param dropped       message copies subscribers did not get because their buffer was full
 * @param disconnected  subscribers removed by {@link SlowSubscriberPolicy#DISCONNECT}
 * @param subscribers   subscribers active now
 * @param maxSubscribers the most subscribers it accepts at once
 */
public record BroadcasterStats(long published, long delivered, long dropped, long disconnected,
                               int subscribers, int maxSubscribers) {
}
