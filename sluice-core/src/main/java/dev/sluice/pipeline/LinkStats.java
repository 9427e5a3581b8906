package dev.sluice.pipeline;

import dev.sluice.channel.ChannelStats;

/**
 * A snapshot of one link: its channel's counters (depth is {@code channel.size()}, time producers waited
 * for room is {@code channel.blockedNanos()}), and how many threads write and read it.
 *
 * @param name    "producer->consumer" (several producers of a merge are joined with '+'); links inside a
 *                stage are named "stage/role"
 * @param writers threads writing to it
 * @param readers threads reading it
 * @param channel the channel's counters
 */
public record LinkStats(String name, int writers, int readers, ChannelStats channel) {
}
