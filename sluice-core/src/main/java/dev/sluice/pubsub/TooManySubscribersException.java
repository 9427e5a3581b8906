package dev.sluice.pubsub;

import dev.sluice.BusyException;

/**
 * Thrown by {@link Broadcaster#subscribe()} when the broadcaster already has as many subscribers as its
 * {@link BroadcasterBuilder#maxSubscribers(int)} allows. It can succeed once another subscriber leaves.
 */
public final class TooManySubscribersException extends BusyException {
    private static final long serialVersionUID = 1L;

    public TooManySubscribersException(String message) {
        super(message);
    }
}
