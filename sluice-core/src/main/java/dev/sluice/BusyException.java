package dev.sluice;

/**
 * Overload: work was refused because a bound was reached — a worker pool shedding load above its
 * watermark, a limiter whose wait queue is full or whose waiters queued too long. The work was not
 * accepted and will not run. Overload is temporary, so unlike {@link ClosedException} this is worth
 * retrying later, with backoff (and within a retry budget); it is a different type from
 * {@link ClosedException} and from {@link ContextDoneException} so that a caller can tell "try again
 * later" from "never" and from "you ran out of time". Subclasses say which bound was hit.
 *
 * <p>A busy exception records no stack trace ({@link #getStackTrace()} is empty; a cause, if any, keeps
 * its own). Under overload it is the common outcome, not a fault: a server refusing a thousand requests a
 * second creates a thousand of them, and filling in each one's stack (deep, under a servlet container)
 * would cost more CPU than the refusal itself, at the moment CPU is scarcest. The message names the pool
 * or limiter and the bound that was reached, which is what a reader of a log needs.
 */
public class BusyException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public BusyException(String message) {
        super(message, null, false);
    }

    public BusyException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
