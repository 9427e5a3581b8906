/**
 * Bounded channels and select, after Go's.
 *
 * <p>{@link dev.sluice.channel.Channel} is a bounded multi-producer multi-consumer channel whose full
 * case is an {@link dev.sluice.channel.Overflow} policy chosen when it is built; its two sides,
 * {@link dev.sluice.channel.SendPort} and {@link dev.sluice.channel.ReceivePort}, can be handed out
 * separately. {@link dev.sluice.channel.Select} waits on several channel operations, timeouts and
 * contexts at once and performs exactly one.
 */
package dev.sluice.channel;
