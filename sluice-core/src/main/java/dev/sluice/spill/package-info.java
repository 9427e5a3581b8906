/**
 * Spill-to-disk: the overflow policy for work that must not be lost and may wait.
 *
 * <p>{@link dev.sluice.spill.SpillChannel} is a {@link dev.sluice.channel.Channel} that keeps a bounded
 * number of items in memory and appends the rest to segment files under a disk quota, in order, with a
 * stated durability contract ({@code fsync}) and a recorded read position, so that a directory reopened
 * after a crash delivers every acknowledged, unconsumed item once. Items become bytes through a
 * {@link dev.sluice.spill.SpillSerializer}; damaged records are detected by checksum, skipped and counted
 * in {@link dev.sluice.spill.SpillStats}.
 */
package dev.sluice.spill;
