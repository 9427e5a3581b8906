package dev.sluice.pool;

import dev.sluice.SluiceException;

/**
 * Thrown when a {@link WorkerPool} refuses a job because it is overloaded: it is shedding load between
 * its watermarks (see {@link WorkerPoolBuilder#shedAbove(int)}). The job was not accepted and will not
 * run. Overload is temporary, so unlike {@link ClosedException} this is worth retrying later, with
 * backoff; it is deliberately a different type from {@link ClosedException} and from the context
 * exceptions so that a caller can tell "try again later" from "never" and from "you ran out of time".
 */
public final class BusyException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public BusyException(String message) {
        super(message);
    }
}
