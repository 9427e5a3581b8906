package dev.sluice.pubsub;

import dev.sluice.ClosedException;

/** Thrown by a publish or subscribe on a {@link Broadcaster} that has been closed. */
public final class BroadcasterClosedException extends ClosedException {
    private static final long serialVersionUID = 1L;

    public BroadcasterClosedException(String message) {
        super(message);
    }
}
