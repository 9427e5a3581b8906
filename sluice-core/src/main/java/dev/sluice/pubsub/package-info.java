/**
 * Publish/subscribe and registers: ways to share data with many readers where a slow reader must never
 * hold a writer back.
 *
 * <ul>
 *   <li>{@link dev.sluice.pubsub.Broadcaster}: every message to every subscriber, each through its own
 *       bounded buffer with a {@link dev.sluice.pubsub.SlowSubscriberPolicy} (drop newest, drop oldest,
 *       disconnect) and its own counters; a {@link dev.sluice.pubsub.Subscription} is a
 *       {@link dev.sluice.channel.ReceivePort}.</li>
 *   <li>{@link dev.sluice.pubsub.Latest}: the latest value wins; versioned, so a reader can wait for
 *       something newer than what it saw.</li>
 *   <li>{@link dev.sluice.pubsub.RecentLog}: the newest N items in a ring, lock-free writers, ordered
 *       snapshots.</li>
 * </ul>
 *
 * <p>None of them has an unbounded buffer: subscribers are capped, every subscriber's buffer is bounded,
 * a {@code Latest} holds one value and a {@code RecentLog} its capacity.
 */
package dev.sluice.pubsub;
