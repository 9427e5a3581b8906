package dev.sluice;

/**
 * Shut down: the component (a channel, a worker pool, a limiter) was closed, so the operation was not
 * performed — a send whose item was not delivered, a job that was not accepted, a permit that was not
 * granted. Closing is permanent, so retrying on the same component is pointless, unlike
 * {@link BusyException}. Subclasses say which component it was.
 */
public class ClosedException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public ClosedException(String message) {
        super(message);
    }

    public ClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
