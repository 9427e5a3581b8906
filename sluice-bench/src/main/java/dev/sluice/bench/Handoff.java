package dev.sluice.bench;

/**
 * The two blocking operations every benchmarked channel or queue offers, so one benchmark body drives
 * them all. Implementations are created by {@link ChannelType}.
 *
 * <p>Only the blocking forms are used: {@code put} waits while the buffer is full (or, without a
 * buffer, until a taker arrives), {@code take} waits while it is empty. Nothing is ever closed; a
 * benchmark ends by counting items.
 */
public interface Handoff {

    /** Hands {@code item} over, waiting while there is no room for it. */
    void put(Object item) throws InterruptedException;

    /** Takes the next item, waiting while there is none. Never returns {@code null}. */
    Object take() throws InterruptedException;
}
