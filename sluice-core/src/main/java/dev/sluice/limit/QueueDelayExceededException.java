package dev.sluice.limit;

/**
 * Thrown to a waiter that a {@link Discipline#LIFO_CODEL} limiter shed because it had queued longer than
 * the allowed queueing delay. It was never admitted and holds nothing.
 */
public final class QueueDelayExceededException extends LimitExceededException {
    private static final long serialVersionUID = 1L;

    public QueueDelayExceededException(String message) {
        super(message);
    }
}
