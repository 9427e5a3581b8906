package dev.sluice.pool;

import dev.sluice.SluiceException;

/**
 * Thrown by every form of submit once a {@link WorkerPool} has been shut down with
 * {@link WorkerPool#drain} or {@link WorkerPool#abort}, including a submit that was waiting for room
 * when the shutdown began. The job was not accepted and will not run. Shutdown is permanent, so
 * retrying on the same pool is pointless.
 */
public final class ClosedException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public ClosedException(String message) {
        super(message);
    }
}
