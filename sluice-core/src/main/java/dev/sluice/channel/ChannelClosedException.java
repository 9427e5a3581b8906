package dev.sluice.channel;

import dev.sluice.ClosedException;

/**
 * Thrown by a send on a closed channel (including a sender that was waiting when the channel closed,
 * whose item was therefore not delivered), and by a receive on a channel that is closed and drained.
 * If the channel was closed with {@link SendPort#fail(Throwable)}, that error is this exception's cause.
 */
public final class ChannelClosedException extends ClosedException {
    private static final long serialVersionUID = 1L;

    public ChannelClosedException(String message, Throwable failure) {
        super(message, failure);
    }

    /** True if the channel was closed with {@link SendPort#fail(Throwable)} rather than {@code close()}. */
    public boolean isFailure() {
        return getCause() != null;
    }
}
