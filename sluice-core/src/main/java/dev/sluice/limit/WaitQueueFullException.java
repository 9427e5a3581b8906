package dev.sluice.limit;

/**
 * Thrown by a blocking acquire when no permit was free and the limiter's wait queue already held its
 * maximum number of waiters, so that waiting itself stays bounded. Under {@link Discipline#FIFO} the
 * newcomer is refused; under {@link Discipline#LIFO_CODEL} the newcomer is queued and the oldest waiter
 * is pushed out and receives this exception instead.
 */
public final class WaitQueueFullException extends LimitExceededException {
    private static final long serialVersionUID = 1L;

    public WaitQueueFullException(String message) {
        super(message);
    }
}
