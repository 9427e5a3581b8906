package dev.sluice.limit;

import dev.sluice.BusyException;

/**
 * Thrown when admission is refused because a limit is reached: the caller was not admitted, nothing was
 * acquired, and trying again later (after backing off) is the expected reaction. It is the common type of
 * sluice's overload signals, distinct from shutdown ({@link LimiterClosedException}) and from the
 * {@link dev.sluice.Context} exceptions, so that a caller can retry one and not the others. Catch this type
 * to handle every kind of overload alike; catch a subclass to tell why.
 *
 * <p>Subclasses in this package: {@link WaitQueueFullException} (the bounded wait queue had no room) and
 * {@link QueueDelayExceededException} (a waiter was shed after queueing too long).
 */
public class LimitExceededException extends BusyException {
    private static final long serialVersionUID = 1L;

    public LimitExceededException(String message) {
        super(message);
    }
}
