package dev.sluice.pubsub;

import dev.sluice.ClosedException;

/**
 * Thrown by a write to a {@link Latest} or {@link RecentLog} that has been closed, and by a wait on a
 * closed {@code Latest} that has nothing newer to return.
 */
public final class RegisterClosedException extends ClosedException {
    private static final long serialVersionUID = 1L;

    public RegisterClosedException(String message) {
        super(message);
    }
}
