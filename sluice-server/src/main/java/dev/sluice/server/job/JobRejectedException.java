package dev.sluice.server.job;

/**
 * The runner did not accept a job: nothing was queued. {@link #status()} is the HTTP status to answer
 * (503: full, shedding or draining), {@link #retryAfterSeconds()} the {@code Retry-After} to send.
 */
public final class JobRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final long retryAfterSeconds;

    public JobRejectedException(int status, long retryAfterSeconds, String message) {
        super(message);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
