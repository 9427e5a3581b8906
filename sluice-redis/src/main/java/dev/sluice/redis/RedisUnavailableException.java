package dev.sluice.redis;

import dev.sluice.BusyException;

/**
 * Redis could not be reached, or did not answer in time: the operation was refused (fail closed) and
 * nothing was taken or enqueued as far as this client knows. A command that timed out may still have been
 * executed by the server (its reply was lost), so a submit that failed this way may in fact have enqueued
 * its job; the queue's delivery is at-least-once for that reason too.
 *
 * <p>A {@link BusyException}: the condition is temporary, and retrying later, with backoff, is the
 * expected reaction. Every occurrence is also counted ({@link RedisBackend#unavailableCount()}).
 */
public final class RedisUnavailableException extends BusyException {
    private static final long serialVersionUID = 1L;

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
