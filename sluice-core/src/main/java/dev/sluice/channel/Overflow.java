package dev.sluice.channel;

/**
 * What a channel does with an item offered while its buffer is full: the decision every bounded buffer
 * has to make, made on purpose. Whatever is chosen, non-waiting outcomes are counted in
 * {@link ChannelStats}, never silent.
 *
 * <table class="striped">
 * <caption>Behaviour on a full channel</caption>
 * <thead><tr><th>policy</th><th>{@code send(item)}</th><th>{@code trySend(item)}</th><th>counted as</th></tr></thead>
 * <tbody>
 * <tr><td>{@link #BLOCK}</td><td>waits for room</td><td>returns false</td><td>blocked send; rejected (trySend)</td></tr>
 * <tr><td>{@link #DROP_NEWEST}</td><td>discards the offered item, hands it to {@code onDrop}, returns</td><td>returns false</td><td>dropped; rejected (trySend)</td></tr>
 * <tr><td>{@link #DROP_OLDEST}</td><td>evicts the oldest buffered item to {@code onDrop}, enqueues the new one</td><td>same, returns true</td><td>dropped</td></tr>
 * <tr><td>{@link #REJECT}</td><td>throws {@link ChannelFullException}</td><td>returns false</td><td>rejected</td></tr>
 * </tbody>
 * </table>
 *
 * <p>A {@link Select} send clause never drops or rejects: it is ready only when the item can be taken
 * as it is (room in the buffer, or a receiver waiting), whatever the policy.
 */
public enum Overflow {
    /** The sender waits for room: backpressure reaches the producer. */
    BLOCK,
    /** The offered item is discarded; the sender never waits. */
    DROP_NEWEST,
    /** The oldest buffered item is evicted to make room; the sender never waits. Needs a capacity of at least 1. */
    DROP_OLDEST,
    /** The sender gets {@link ChannelFullException} at once. */
    REJECT
}
