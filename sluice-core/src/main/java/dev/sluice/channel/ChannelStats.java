package dev.sluice.channel;

/**
 * A consistent snapshot of a channel's counters, taken under its lock. Counters only grow.
 *
 * @param sent          items accepted by the channel (buffered, or handed straight to a receiver)
 * @param received      items taken out by receivers
 * @param dropped       items discarded by {@link Overflow#DROP_NEWEST} or evicted by {@link Overflow#DROP_OLDEST}
 * @param rejected      offers refused because the channel was full: {@link ChannelFullException},
 *                      {@code trySend} returning false, a timed send that timed out
 * @param blockedSends  sends that had to wait for room or for a receiver
 * @param blockedNanos  total nanoseconds senders spent waiting (counted when each wait ends)
 * @param size          items buffered at the time of the snapshot
 * @param capacity      the buffer's capacity (0 for a rendezvous channel)
 * @param highWaterMark the largest {@code size} ever observed
 */
public record ChannelStats(long sent, long received, long dropped, long rejected, long blockedSends,
                           long blockedNanos, int size, int capacity, int highWaterMark) {
}
