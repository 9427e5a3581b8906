package dev.sluice.limit;

import dev.sluice.ClosedException;

/**
 * Thrown by an acquire on a {@link ConcurrencyLimiter} that has been {@linkplain ConcurrencyLimiter#close()
 * closed}, and to every caller that was waiting when it was closed. Not an overload signal: retrying the
 * same limiter cannot succeed.
 */
public final class LimiterClosedException extends ClosedException {
    private static final long serialVersionUID = 1L;

    public LimiterClosedException(String message) {
        super(message);
    }
}
